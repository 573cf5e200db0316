// CRC32C (Castagnoli), the checksum Cloud Storage reports as `crc32c` and in `x-goog-hash`:
// reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF. Slicing by eight
// tables keeps a 1 GiB object to a few seconds.

const POLYNOMIAL = 0x82f63b78;
const TABLES = buildTables();

function buildTables() {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[0][byte] = crc;
  }
  for (let byte = 0; byte < 256; byte++) {
    for (let slice = 1; slice < 8; slice++) {
      const previous = tables[slice - 1][byte];
      tables[slice][byte] = (previous >>> 8) ^ tables[0][previous & 0xff];
    }
  }

  return tables;
}

/**
 * Continues a CRC32C over `bytes`; start with 0 and pass each result back in.
 *
 * @param {number} crc the value so far (0 for none)
 * @param {Uint8Array} bytes the next bytes
 * @returns {number} the unsigned CRC32C including `bytes`
 */
export function crc32cUpdate(crc, bytes) {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let value = ~crc;
  let index = 0;
  const whole = bytes.length - (bytes.length % 8);
  while (index < whole) {
    const low =
      (value ^
        (bytes[index] |
          (bytes[index + 1] << 8) |
          (bytes[index + 2] << 16) |
          (bytes[index + 3] << 24))) >>>
      0;
    value =
      t7[low & 0xff] ^
      t6[(low >>> 8) & 0xff] ^
      t5[(low >>> 16) & 0xff] ^
      t4[low >>> 24] ^
      t3[bytes[index + 4]] ^
      t2[bytes[index + 5]] ^
      t1[bytes[index + 6]] ^
      t0[bytes[index + 7]];
    index += 8;
  }
  while (index < bytes.length) {
    value = (value >>> 8) ^ t0[(value ^ bytes[index]) & 0xff];
    index += 1;
  }

  return ~value >>> 0;
}

/**
 * The base64 form Cloud Storage uses: the four big-endian bytes of the checksum.
 *
 * @param {number} crc an unsigned CRC32C
 * @returns {string}
 */
export function crc32cBase64(crc) {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0, 0);

  return bytes.toString('base64');
}
