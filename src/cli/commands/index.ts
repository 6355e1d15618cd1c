import type { Command } from 'commander';

/**
 * Each command lives in its own file and exports `register(program)`.
 * Add new commands to this list.
 */
export const commandRegistrars: Array<(program: Command) => void> = [];
