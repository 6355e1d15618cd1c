/**
 * The protobuf messages of a tensor bundle's index values, from TensorFlow's
 * tensorflow/core/protobuf/tensor_bundle.proto (with TensorShapeProto, TensorSliceProto and
 * VersionDef from tensorflow/core/framework), as a protobufjs reflection definition.
 * `dtype` is read as int32 (the DataType enum's wire form) so that unknown types survive.
 */
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    tensorflow: {
      nested: {
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dim', id: 2 },
            unknownRank: { type: 'bool', id: 3 },
          },
          nested: {
            Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } },
          },
        },
        TensorSliceProto: {
          fields: { extent: { rule: 'repeated', type: 'Extent', id: 1 } },
          nested: {
            Extent: {
              fields: { start: { type: 'int64', id: 1 }, length: { type: 'int64', id: 2 } },
            },
          },
        },
        VersionDef: {
          fields: {
            producer: { type: 'int32', id: 1 },
            minConsumer: { type: 'int32', id: 2 },
            badConsumers: { rule: 'repeated', type: 'int32', id: 3, options: { packed: true } },
          },
        },
        BundleHeaderProto: {
          fields: {
            numShards: { type: 'int32', id: 1 },
            endianness: { type: 'int32', id: 2 },
            version: { type: 'VersionDef', id: 3 },
          },
        },
        BundleEntryProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
            shardId: { type: 'int32', id: 3 },
            offset: { type: 'int64', id: 4 },
            size: { type: 'int64', id: 5 },
            crc32c: { type: 'fixed32', id: 6 },
            slices: { rule: 'repeated', type: 'TensorSliceProto', id: 7 },
          },
        },
      },
    },
  },
});

const BundleHeaderType = root.lookupType('tensorflow.BundleHeaderProto');
const BundleEntryType = root.lookupType('tensorflow.BundleEntryProto');

export interface BundleHeader {
  numShards: number;
  /** 0 little-endian, 1 big-endian. */
  endianness: number;
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

export interface BundleEntry {
  dtype: number;
  shape: { dim: Array<{ size: number; name: string }>; unknownRank: boolean };
  shardId: number;
  offset: number;
  size: number;
  /** Masked CRC32C of the tensor's bytes. */
  crc32c: number;
  slices: Array<{ extent: Array<{ start: number; length: number }> }>;
}

const DECODE_OPTIONS = { longs: Number, defaults: true, arrays: true, objects: true } as const;

export function decodeBundleHeader(bytes: Uint8Array): BundleHeader {
  const header = BundleHeaderType.toObject(
    BundleHeaderType.decode(bytes),
    DECODE_OPTIONS,
  ) as BundleHeader;
  header.version ??= { producer: 0, minConsumer: 0, badConsumers: [] };
  header.version.badConsumers ??= [];
  return header;
}

export function decodeBundleEntry(bytes: Uint8Array): BundleEntry {
  const entry = BundleEntryType.toObject(
    BundleEntryType.decode(bytes),
    DECODE_OPTIONS,
  ) as BundleEntry;
  entry.shape ??= { dim: [], unknownRank: false };
  return entry;
}

/** proto3 leaves fields at their default value off the wire, as TensorFlow's serializer does. */
function withoutDefaults<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(fields) as Array<[keyof T, unknown]>) {
    if (value === 0 || value === false || value === '' || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value as T[keyof T];
  }
  return out;
}

export function encodeBundleHeader(header: BundleHeader): Buffer {
  const message = BundleHeaderType.fromObject(
    withoutDefaults({
      numShards: header.numShards,
      endianness: header.endianness,
      version: withoutDefaults(header.version),
    }),
  );
  return Buffer.from(BundleHeaderType.encode(message).finish());
}

export function encodeBundleEntry(entry: Omit<BundleEntry, 'slices'>): Buffer {
  const message = BundleEntryType.fromObject(
    withoutDefaults({
      dtype: entry.dtype,
      shape: withoutDefaults({
        dim: entry.shape.dim.map((d) => withoutDefaults({ size: d.size, name: d.name })),
        unknownRank: entry.shape.unknownRank,
      }),
      shardId: entry.shardId,
      offset: entry.offset,
      size: entry.size,
      crc32c: entry.crc32c,
    }),
  );
  return Buffer.from(BundleEntryType.encode(message).finish());
}
