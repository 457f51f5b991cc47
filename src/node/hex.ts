/**
 * Lowercase hex of a list of byte strings (a Merkle proof's nodes) by Node's
 * native encoder, in one call: the same text as crypto's portable `toHex` per
 * item. `toHex` (it runs in the browser too) builds each string from
 * 2-character pieces, which every later JSON.stringify or regular expression
 * has to flatten first; encoding the list at once and cutting the text gives
 * flat strings, at a third of the cost for a proof's 17 nodes.
 */
export function hexList(items: readonly Uint8Array[]): string[] {
  const text = Buffer.concat(items).toString('hex');
  const out = new Array<string>(items.length);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    const end = at + 2 * items[i]!.byteLength;
    out[i] = text.slice(at, end);
    at = end;
  }
  return out;
}
