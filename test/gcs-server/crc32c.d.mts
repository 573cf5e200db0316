/** Continues a CRC32C (Castagnoli) over `bytes`; start with 0. */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number;
/** The base64 of the big-endian checksum, as Cloud Storage writes it. */
export function crc32cBase64(crc: number): string;
