import { crc32c } from '@node-rs/crc32';

/** CRC-32C (Castagnoli) of `bytes`, continuing from `previous` when given. */
export function crc32cOf(bytes: Uint8Array, previous?: number): number {
  return crc32c(bytes, previous) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/**
 * TensorFlow (like LevelDB) stores CRCs masked, because a CRC of data that itself holds CRCs is
 * weak: rotate right by 15 bits and add a constant.
 */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const rotated = (masked - MASK_DELTA) >>> 0;
  return ((rotated >>> 17) | (rotated << 15)) >>> 0;
}

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
