// Payload decoding (pure): the arrays of a payload travel as one binary buffer (ui/packing.py)
// and the JSON names them as {"__buf__": [offset, n, kind, shape, ...]}. The live route and the
// grid route answer with a frame: a uint32 length, that much JSON, padding to 8 bytes, the
// buffer.

export function decode(value, buffer) {
  if (Array.isArray(value)) return value.map(function (v) { return decode(v, buffer); });
  if (value && typeof value === "object") {
    if (value.__buf__) {
      var d = value.__buf__, off = d[0], n = d[1], shape = d[3];
      var flat = d[2] === "f8" ? new Float64Array(buffer, off, n) :
        d[2] === "x4" ? unXor4(buffer, off, n) :
        d[2] === "d2" ? unDelta2(buffer, off, n, d[4], d[5]) : new Float32Array(buffer, off, n);
      if (shape.length === 2) {
        var rows = [], w = shape[1];
        for (var r = 0; r < shape[0]; r++) rows.push(flat.subarray(r * w, (r + 1) * w));
        return rows;
      }
      return flat;
    }
    var out = {};
    for (var k in value) out[k] = decode(value[k], buffer);
    return out;
  }
  return value;
}

// float32 packed for compression (ui/packing.py): bytes grouped by position, each value's
// bits XOR the previous value's.
export function unXor4(buffer, off, n) {
  var src = new Uint8Array(buffer, off, 4 * n), out = new Uint8Array(4 * n);
  for (var b = 0; b < 4; b++) {
    for (var i = 0, at = b * n; i < n; i++) out[4 * i + b] = src[at + i];
  }
  var bits = new Uint32Array(out.buffer);
  for (var k = 1; k < n; k++) bits[k] ^= bits[k - 1];
  return new Float32Array(out.buffer);
}

// A grid in 16 bits (ui/packing.py): steps of `step` above `lo`, each stored as its
// difference to the one before, bytes grouped by position; 65535 is a value not defined.
export function unDelta2(buffer, off, n, lo, step) {
  var src = new Uint8Array(buffer, off, 2 * n), out = new Float32Array(n), q = 0;
  for (var i = 0; i < n; i++) {
    q = (q + (src[i] | (src[n + i] << 8))) & 0xffff;
    out[i] = q === 65535 ? NaN : lo + q * step;
  }
  return out;
}

// The component's blob as an ArrayBuffer of its own.
export function toBuffer(bytes) {
  if (!bytes) return new ArrayBuffer(0);
  if (bytes instanceof ArrayBuffer) return bytes;
  // Copy so that typed-array views start at an aligned offset.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

// A frame of the live or the grid route, decoded.
export function readFrame(buf) {
  var n = new DataView(buf).getUint32(0, true);
  var head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  var start = 4 + n + ((8 - ((4 + n) % 8)) % 8);
  return decode(head, buf.slice(start));
}
