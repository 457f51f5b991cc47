#!/usr/bin/env python3
"""Independent second implementation of the DHL formats, checked against the vectors.

Written from docs/formats.md alone (no look at src/ or at the vector builders):
RFC 8785 canonical JSON, RFC 9162 Merkle tree hash and proofs, the
A256GCM-STREAM envelope (§4), the RSA-OAEP-256 wrapped key (§5), the
PS256-signed manifest (§6), key ids (§2), and the ledger of §8: genesis and
chain id, transactions, log entries, blocks, writes and the state digest,
attestations, chain verification in the order of §8.6, and the signed heads of
§8.8.

Usage: check_vectors.py [VECTORS_JSON ...]
  default: every known vector file under test/vectors/, relative to this script:
  crypto/crypto-vectors.json and ledger/ledger-vectors.json (required),
  contract/contract-vectors.json and merkle/rfc6962.json (checked if present).
Prints one line per check ("ok   ..." or "FAIL ...: reason"; "#    ..." lines are
notes, not counted), then a final line "N passed, M failed". Exit status 0 only
if every check passed (and each file had at least one check), else 1.

Each kind of vector file (crypto, ledger, contract, merkle; told apart by its
sections) has a registry of checkers keyed by section: to grow it, write a
function check_<section>(report, entries, ctx) and add it to that registry.
Sections absent from a vector file are skipped; sections present without a
checker are listed but not counted.
"""

import base64
import hashlib
import json
import os
import re
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, '..', '..'))
DEFAULT_VECTORS = os.path.join(REPO_ROOT, 'test', 'vectors', 'crypto', 'crypto-vectors.json')
KEYS_DIR = os.path.join(REPO_ROOT, 'test', 'fixtures', 'keys')


# ---------------------------------------------------------------------------
# §1 conventions: errors, bytes, hashing
# ---------------------------------------------------------------------------

class DhlError(Exception):
    """A failure with a stable code, as the doc's tables name them."""

    def __init__(self, code, detail=''):
        super().__init__(f'{code} ({detail})' if detail else str(code))
        self.code = code
        self.detail = detail


class CheckFailed(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).digest()


def u32be(n):
    return n.to_bytes(4, 'big')


def read_u32be(data, offset=0):
    return int.from_bytes(data[offset:offset + 4], 'big')


_B64URL = re.compile(r'[A-Za-z0-9_-]*')


def b64url_encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    """Base64url without padding; rejects padding, other alphabets, non-zero trailing bits."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError('not unpadded base64url')
    raw = base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))
    if b64url_encode(raw) != text:
        raise ValueError('base64url with non-zero trailing bits')
    return raw


def is_hex(value, length):
    return isinstance(value, str) and len(value) == length and re.fullmatch(r'[0-9a-f]*', value) is not None


# ---------------------------------------------------------------------------
# §1 canonical form: RFC 8785 (JCS) for the restricted value set
# ---------------------------------------------------------------------------

MAX_SAFE_INTEGER = 2 ** 53 - 1

_SHORT_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def jcs_string(s):
    """A string as ECMAScript JSON.stringify writes it (well-formed JSON.stringify, ES2019)."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif code < 0x20:
            out.append('\\u%04x' % code)
        elif 0xD800 <= code <= 0xDFFF:
            # A Python str holds a surrogate only when it is unpaired: §1 refuses those (RFC 8785 §3.2.2.2).
            raise ValueError('a lone surrogate has no UTF-8 form')
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def _utf16_key(s):
    return s.encode('utf-16-be', 'surrogatepass')


MAX_JSON_DEPTH = 32


def _jcs_text(value, allow_null, depth=1):
    if isinstance(value, (list, tuple, dict)) and depth > MAX_JSON_DEPTH:
        raise ValueError(f'nested deeper than {MAX_JSON_DEPTH}')
    if value is None:
        if allow_null:
            return 'null'
        raise ValueError('null is not allowed here')
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, int):
        if value < 0 or value > MAX_SAFE_INTEGER:
            raise ValueError(f'integer {value} is outside 0 … 2^53-1')
        return str(value)
    if isinstance(value, float):
        raise ValueError('floats are not allowed')
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_jcs_text(v, allow_null, depth + 1) for v in value) + ']'
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError('object keys must be strings')
        keys = sorted(value, key=_utf16_key)
        return '{' + ','.join(jcs_string(k) + ':' + _jcs_text(value[k], allow_null, depth + 1) for k in keys) + '}'
    raise ValueError(f'type {type(value).__name__} is not allowed')


def jcs(value, allow_null=False):
    """JCS(x): the UTF-8 bytes of the canonical JSON of x."""
    return _jcs_text(value, allow_null).encode('utf-8')


def _reject_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f'duplicate key {k!r}')
        obj[k] = v
    return obj


def _reject_constant(name):
    raise ValueError(f'{name} is not JSON')


def _reject_float(text):
    raise ValueError(f'number {text} is not a non-negative integer')


def parse_canonical(raw, allow_null=False):
    """Parse JSON bytes and insist they are exactly JCS of the value they denote."""
    text = raw.decode('utf-8')  # strict: invalid UTF-8 raises UnicodeDecodeError (a ValueError)
    value = json.loads(text, object_pairs_hook=_reject_duplicates,
                       parse_constant=_reject_constant, parse_float=_reject_float)
    if jcs(value, allow_null) != raw:
        raise ValueError('JSON is not canonical')
    return value


def tagged(tag, value, allow_null=False):
    """tag ‖ JCS(x): the tag's ASCII bytes, 0x0a, then JCS(x)."""
    return tag.encode('ascii') + b'\n' + jcs(value, allow_null)


# ---------------------------------------------------------------------------
# §4.1 / §9.3 RFC 9162 Merkle tree hash
# ---------------------------------------------------------------------------

def merkle_leaf_hash(leaf_input):
    return sha256(b'\x00' + leaf_input)


def merkle_node_hash(left, right):
    return sha256(b'\x01' + left + right)


def merkle_root(leaf_inputs):
    """MTH of RFC 9162 §2.1.1; leaf_inputs are the byte strings hashed as leaves."""
    n = len(leaf_inputs)
    if n == 0:
        return sha256(b'')
    if n == 1:
        return merkle_leaf_hash(leaf_inputs[0])
    k = 1
    while k * 2 < n:  # largest power of two smaller than n
        k *= 2
    return merkle_node_hash(merkle_root(leaf_inputs[:k]), merkle_root(leaf_inputs[k:]))


# ---------------------------------------------------------------------------
# §2 keys
# ---------------------------------------------------------------------------

def key_path(name, half):
    """name like 'raj.sig'; half 'public' or 'private'."""
    return os.path.join(KEYS_DIR, f'{name}.{half}.pem')


def repo_path(rel):
    return rel if os.path.isabs(rel) else os.path.join(REPO_ROOT, rel)


def load_public_pem(path):
    with open(path, 'rb') as f:
        return serialization.load_pem_public_key(f.read())


def load_private_pem(path):
    with open(path, 'rb') as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def spki_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key):
    """Key id = lowercase hex SHA-256 of the SPKI DER bytes."""
    return sha256(spki_der(public_key)).hex()


def check_rsa_params(public_key):
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CheckFailed('not an RSA key')
    if public_key.key_size != 3072:
        raise CheckFailed(f'key size {public_key.key_size}, not 3072')
    if public_key.public_numbers().e != 65537:
        raise CheckFailed(f'e = {public_key.public_numbers().e}, not 65537')


# ---------------------------------------------------------------------------
# §4 envelope (A256GCM-STREAM)
# ---------------------------------------------------------------------------

ENVELOPE_TAG = 'dhl/envelope/v1'
ENVELOPE_ALG = 'A256GCM-STREAM'
ENVELOPE_HEADER_FIELDS = {'alg', 'chunkSize', 'chain', 'recordId', 'version'}
GCM_TAG_LEN = 16
# Not a code from the doc: the doc gives none for an authenticated plaintext stream
# whose length/JSON prefix is malformed (only a broken writer could produce one).
PLAINTEXT_INVALID = 'ENVELOPE_PLAINTEXT_INVALID(not in doc)'


def envelope_nonce(index, last):
    """nonce_i = counter i as 11 bytes big-endian ‖ flag (0x01 on the last piece, else 0x00)."""
    return index.to_bytes(11, 'big') + (b'\x01' if last else b'\x00')


def envelope_header_fields(chain, record_id, version, chunk_size):
    return {'alg': ENVELOPE_ALG, 'chunkSize': chunk_size, 'chain': chain, 'recordId': record_id, 'version': version}


def build_header_chunk(fields):
    body = tagged(ENVELOPE_TAG, fields)
    return u32be(len(body)) + body


def valid_chunk_size(n):
    return isinstance(n, int) and not isinstance(n, bool) and 2 ** 6 <= n <= 2 ** 24 and n & (n - 1) == 0


def parse_envelope_header(stream):
    """Returns (header, jcs_part, offset of the first data chunk)."""
    if len(stream) < 4:
        raise DhlError('ENVELOPE_TRUNCATED', 'stream shorter than the header length field')
    n = read_u32be(stream)
    if len(stream) < 4 + n:
        raise DhlError('ENVELOPE_TRUNCATED', f'header says {n} bytes, {len(stream) - 4} present')
    body = stream[4:4 + n]
    tag_line = ENVELOPE_TAG.encode('ascii') + b'\n'
    if not body.startswith(tag_line):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'no dhl/envelope/v1 tag line')
    jcs_part = body[len(tag_line):]
    try:
        header = parse_canonical(jcs_part)
    except (ValueError, RecursionError) as e:
        raise DhlError('ENVELOPE_HEADER_INVALID', str(e))
    if not isinstance(header, dict):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'header is not an object')
    alg = header.get('alg')
    if not isinstance(alg, str):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'alg missing or not a string')
    if alg != ENVELOPE_ALG:
        raise DhlError('ALG_UNKNOWN', f'envelope alg {alg!r}')
    if set(header) != ENVELOPE_HEADER_FIELDS:
        raise DhlError('ENVELOPE_HEADER_INVALID', f'fields {sorted(header)}')
    if not valid_chunk_size(header['chunkSize']):
        raise DhlError('ENVELOPE_HEADER_INVALID', f"chunkSize {header['chunkSize']!r}")
    if not is_hex(header['chain'], 64):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'chain is not 64 lowercase hex digits')
    if not is_hex(header['recordId'], 32):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'recordId is not 32 lowercase hex digits')
    if not isinstance(header['version'], int) or isinstance(header['version'], bool):
        raise DhlError('ENVELOPE_HEADER_INVALID', 'version is not an integer')
    return header, jcs_part, 4 + n


def split_plaintext_stream(plaintext):
    """u32be(m) ‖ JCS({fileName}) ‖ content  →  (fileName, content)."""
    if len(plaintext) < 4:
        raise DhlError(PLAINTEXT_INVALID, 'plaintext shorter than its length field')
    m = read_u32be(plaintext)
    if len(plaintext) < 4 + m:
        raise DhlError(PLAINTEXT_INVALID, 'file-name JSON runs past the plaintext')
    try:
        meta = parse_canonical(plaintext[4:4 + m])
    except (ValueError, RecursionError) as e:
        raise DhlError(PLAINTEXT_INVALID, str(e))
    if not isinstance(meta, dict) or set(meta) != {'fileName'} or not isinstance(meta['fileName'], str):
        raise DhlError(PLAINTEXT_INVALID, 'not exactly {fileName: string}')
    return meta['fileName'], plaintext[4 + m:]


def _opens(aead, nonce, data, aad):
    try:
        aead.decrypt(nonce, data, aad)
        return True
    except InvalidTag:
        return False


def open_envelope(stream, dek, expect=None):
    """Decrypt a stored stream (all stored chunks concatenated).

    expect: optional {chain, recordId, version} the reader asked for.
    Returns (header, fileName, content); raises DhlError with the doc's code.
    """
    header, jcs_part, offset = parse_envelope_header(stream)
    if expect is not None:
        for field in ('chain', 'recordId', 'version'):
            if header[field] != expect[field]:
                raise DhlError('ENVELOPE_CONTEXT_MISMATCH', field)
    aad = sha256(jcs_part)
    aead = AESGCM(dek)
    data = stream[offset:]
    if not data:
        raise DhlError('ENVELOPE_TRUNCATED', 'no data chunk after the header')
    stored_size = header['chunkSize'] + GCM_TAG_LEN
    pieces = [data[i:i + stored_size] for i in range(0, len(data), stored_size)]
    plain = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        if last and len(piece) <= GCM_TAG_LEN:
            raise DhlError('ENVELOPE_TRUNCATED', f'tag-sized tail of {len(piece)} bytes as chunk {i + 1}')
        try:
            plain.append(aead.decrypt(envelope_nonce(i, last), piece, aad))
        except InvalidTag:
            if _opens(aead, envelope_nonce(i, not last), piece, aad):
                if last:
                    raise DhlError('ENVELOPE_TRUNCATED', f'chunk {i + 1} opens only as a non-final chunk')
                raise DhlError('ENVELOPE_TRAILING_DATA', f'chunk {i + 1} opens only as the final chunk')
            raise DhlError('ENVELOPE_CHUNK_AUTH_FAILED', f'chunk {i + 1}')
    file_name, content = split_plaintext_stream(b''.join(plain))
    return header, file_name, content


def seal_envelope(header_fields, file_name, content, dek):
    """The writer's side: returns the list of stored chunks, header first."""
    header_chunk = build_header_chunk(header_fields)
    aad = sha256(jcs(header_fields))
    meta = jcs({'fileName': file_name})
    stream = u32be(len(meta)) + meta + content
    size = header_fields['chunkSize']
    count = max(1, -(-len(stream) // size))
    aead = AESGCM(dek)
    chunks = [header_chunk]
    for i in range(count):
        chunks.append(aead.encrypt(envelope_nonce(i, i == count - 1), stream[i * size:(i + 1) * size], aad))
    return chunks


# ---------------------------------------------------------------------------
# §5 wrapped keys (RSA-OAEP-256)
# ---------------------------------------------------------------------------

WRAP_TAG = 'dhl/wrap/v1'
WRAP_ALG = 'RSA-OAEP-256'
WRAP_FIELDS = {'recordId', 'version', 'keyId', 'alg', 'wrappedDek'}


def wrap_label(chain, kid, record_id, version):
    return tagged(WRAP_TAG, {'chain': chain, 'keyId': kid, 'recordId': record_id, 'version': version})


def oaep(label):
    return padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=label)


def unwrap_dek(wrapped, trusted_chain, private_key):
    """Rebuild the label from the wrapped key's fields and the trusted chain id, then open it."""
    if not isinstance(wrapped, dict):
        raise DhlError('UNWRAP_FAILED', 'wrapped key is not an object')
    alg = wrapped.get('alg')
    if alg != WRAP_ALG:
        raise DhlError('ALG_UNKNOWN', f'wrap alg {alg!r}')
    if set(wrapped) != WRAP_FIELDS:
        raise DhlError('UNWRAP_FAILED', f'fields {sorted(wrapped)}')
    try:
        ciphertext = b64url_decode(wrapped['wrappedDek'])
        label = wrap_label(trusted_chain, wrapped['keyId'], wrapped['recordId'], wrapped['version'])
    except ValueError as e:
        raise DhlError('UNWRAP_FAILED', str(e))
    if len(ciphertext) != 384:
        raise DhlError('UNWRAP_FAILED', f'wrappedDek is {len(ciphertext)} bytes, not 384')
    try:
        dek = private_key.decrypt(ciphertext, oaep(label))
    except ValueError:
        raise DhlError('UNWRAP_FAILED', 'RSA-OAEP decryption failed')
    if len(dek) != 32:
        raise DhlError('UNWRAP_FAILED', f'DEK is {len(dek)} bytes')
    if wrapped['keyId'] != key_id(private_key.public_key()):
        raise DhlError('UNWRAP_FAILED', 'wrapped for another key id')
    return dek


# ---------------------------------------------------------------------------
# §6 manifest, PS256
# ---------------------------------------------------------------------------

MANIFEST_TAG = 'dhl/manifest/v1'
SIG_ALG = 'PS256'
MANIFEST_FIELDS = {'chain', 'recordId', 'version', 'patient', 'author', 'authorKeyId', 'title', 'mediaType',
                   'size', 'chunkSize', 'cipherRoot', 'createdAt'}
# §6: 3..32 of [a-z0-9._-], a letter or digit at both ends, never two separators in a row.
USERNAME = re.compile(r'(?=.{3,32}$)[a-z0-9]+(?:[._-][a-z0-9]+)*')
MEDIA_TYPE = re.compile(r'[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*')


def pss():
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def ps256_verify(public_key, signature, message):
    try:
        public_key.verify(signature, message, pss(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def manifest_problems(m):
    """Field rules of §6; returns a list of problems (empty if well-formed)."""
    if not isinstance(m, dict):
        return ['not an object']
    problems = []
    if set(m) != MANIFEST_FIELDS:
        problems.append(f'fields {sorted(set(m) ^ MANIFEST_FIELDS)} extra or missing')
        return problems
    try:
        jcs(m)
    except ValueError as e:
        problems.append(str(e))
    for f in ('patient', 'author'):
        if not isinstance(m[f], str) or not USERNAME.fullmatch(m[f]):
            problems.append(f'{f} is not a username')
    for f, n in (('chain', 64), ('recordId', 32), ('authorKeyId', 64), ('cipherRoot', 64)):
        if not is_hex(m[f], n):
            problems.append(f'{f} is not {n} lowercase hex digits')
    if not isinstance(m['title'], str) or not 1 <= len(m['title']) <= 200:
        problems.append('title is not 1-200 characters')
    if not isinstance(m['mediaType'], str) or not MEDIA_TYPE.fullmatch(m['mediaType']):
        problems.append('mediaType is not a lower-case type/subtype')
    for f in ('version', 'size', 'createdAt'):
        if not isinstance(m[f], int) or isinstance(m[f], bool):
            problems.append(f'{f} is not an integer')
    if not valid_chunk_size(m['chunkSize']):
        problems.append('chunkSize is not a power of two in 2^6 … 2^24')
    return problems


def verify_signed_manifest(signed, public_key):
    """Returns the signed bytes; raises DhlError / CheckFailed."""
    sig = signed['signature']
    if sig.get('alg') != SIG_ALG:
        raise DhlError('ALG_UNKNOWN', f"signature alg {sig.get('alg')!r}")
    message = tagged(MANIFEST_TAG, signed['manifest'])
    if not ps256_verify(public_key, b64url_decode(sig['sig']), message):
        raise CheckFailed('PS256 signature does not verify')
    return message


# ---------------------------------------------------------------------------
# §9.3-style RFC 9162 proofs: generation (§2.1.3.1 / §2.1.4.1) and verification
# (§2.1.3.2 / §2.1.4.2), written from the RFC for §8.3's log
# ---------------------------------------------------------------------------

def _split_point(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_path(m, leaf_inputs):
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaf_inputs)
    if n <= 1:
        return []
    k = _split_point(n)
    if m < k:
        return merkle_path(m, leaf_inputs[:k]) + [merkle_root(leaf_inputs[k:])]
    return merkle_path(m - k, leaf_inputs[k:]) + [merkle_root(leaf_inputs[:k])]


def merkle_consistency(m, leaf_inputs):
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1."""
    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [merkle_root(d)]
        k = _split_point(n)
        if m <= k:
            return subproof(m, d[:k], b) + [merkle_root(d[k:])]
        return subproof(m - k, d[k:], False) + [merkle_root(d[:k])]
    return subproof(m, leaf_inputs, True)


def _safe_index(x):
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_SAFE_INTEGER


def verify_inclusion(index, size, leaf_hash, proof, root):
    """RFC 9162 §2.1.3.2. All hashes are bytes. Returns True or False, never raises."""
    if not (_safe_index(index) and _safe_index(size)) or index >= size:
        return False
    if len(leaf_hash) != 32 or len(root) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = merkle_node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = merkle_node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, proof):
    """RFC 9162 §2.1.4.2 (0 < size1 ≤ size2; size1 = size2 needs an empty proof and equal roots)."""
    if not (_safe_index(size1) and _safe_index(size2)) or size1 == 0 or size1 > size2:
        return False
    if len(root1) != 32 or len(root2) != 32 or any(len(p) != 32 for p in proof):
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two
        path = [root1] + path
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = merkle_node_hash(c, fr)
            sr = merkle_node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = merkle_node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# ---------------------------------------------------------------------------
# §8 ledger: genesis, transactions, log entries, blocks, writes, attestations
# ---------------------------------------------------------------------------

GENESIS_TAG = 'dhl/genesis/v1'
TX_TAG = 'dhl/tx/v1'
BLOCK_TAG = 'dhl/block/v1'
ATTEST_TAG = 'dhl/attest/v1'
STATE_TAG = 'dhl/state/v1'

GENESIS_FIELDS = {'v', 'kind', 'time', 'salt', 'params', 'orgs'}
GENESIS_PARAMS = {'chunkSizeMax', 'notAfterWindowMs', 'maxTxBytes', 'maxBlockTxs', 'maxGrantMs'}
ORG_ID = re.compile(r'[a-z0-9._-]{2,64}')
TX_HEADER_FIELDS = {'v', 'chain', 'type', 'actor', 'keyId', 'alg', 'nonce', 'notAfter', 'time', 'bodyHash'}
TX_TYPE = re.compile(r'[A-Z][A-Za-z]{1,39}')
OUTCOME = re.compile(r'OK|[A-Z][A-Z0-9_]{1,63}')
BLOCK_HEADER_FIELDS = {'chain', 'height', 'prevHash', 'time', 'firstSeq', 'entryCount', 'entriesRoot', 'treeSize',
                       'treeRoot', 'changesHash', 'stateDigest'}
ATTESTATION_FIELDS = {'chain', 'height', 'blockHash', 'stateDigest', 'nodeId', 'keyId', 'alg'}

# Every code §8 names (plus ALG_UNKNOWN of §1): a code outside this set is not the doc's.
LEDGER_DOC_CODES = {
    'ALG_UNKNOWN', 'TX_MALFORMED', 'TX_BODY_HASH_MISMATCH', 'BLOCK_MALFORMED', 'CHAIN_HEIGHT_GAP',
    'CHAIN_PREV_HASH_MISMATCH', 'CHAIN_TIME_REGRESSION', 'CHAIN_SEQ_MISMATCH', 'CHAIN_EMPTY_BLOCK', 'CHAIN_BLOCK_TOO_LARGE',
    'CHAIN_BODY_MISSING', 'CHAIN_DUPLICATE_TX', 'TX_KEY_UNKNOWN', 'TX_SIGNATURE_INVALID',
    'CHAIN_ENTRIES_ROOT_MISMATCH', 'CHAIN_TREE_ROOT_MISMATCH', 'CHAIN_OUTCOME_MISMATCH', 'CHAIN_WRITES_MISMATCH',
    'CHAIN_CHANGES_HASH_MISMATCH', 'CHAIN_STATE_DIGEST_MISMATCH', 'CHAIN_ATTESTATION_INVALID',
    'CHAIN_GENESIS_MISMATCH',
}
# A failure §8.6 lists as a check but gives no code for (e.g. a header's or a transaction's
# `chain` that is not the trusted chain id).
NO_DOC_CODE = None


def is_safe_int(x):
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_SAFE_INTEGER


def genesis_bytes(genesis):
    return tagged(GENESIS_TAG, genesis)


def chain_id_of(genesis):
    return sha256(genesis_bytes(genesis)).hex()


def state_digest0(chain_id):
    return sha256(STATE_TAG.encode('ascii') + b'\n' + bytes.fromhex(chain_id))


def next_state_digest(prev_digest, changes_hash):
    return sha256(prev_digest + changes_hash)


def body_hash(body):
    return sha256(jcs(body)).hex()


def tx_signed_bytes(header):
    return tagged(TX_TAG, header)


def tx_hash(header, sig_raw):
    return sha256(tx_signed_bytes(header) + sig_raw).hex()


def log_entry(tx_hash_hex, outcome):
    return {'tx': tx_hash_hex, 'outcome': outcome}


def leaf_input(entry):
    """Leaf input = SHA-256(JCS({tx, outcome})); the tree hashes it again with 0x00."""
    return sha256(jcs(entry))


def block_header_bytes(header):
    return tagged(BLOCK_TAG, header)


def block_hash(header):
    return sha256(block_header_bytes(header)).hex()


def attestation_bytes(attestation):
    return tagged(ATTEST_TAG, attestation)


def utf8_key(k):
    return k.encode('utf-8', 'surrogatepass')


def writes_problems(writes):
    """§8.4: [[key, value | null], …], each key once, sorted by the UTF-8 bytes of the key."""
    if not isinstance(writes, list):
        return ['writes is not a list']
    problems = []
    keys = []
    for i, w in enumerate(writes):
        if not (isinstance(w, list) and len(w) == 2 and isinstance(w[0], str)):
            problems.append(f'write {i} is not [key, value]')
            continue
        keys.append(utf8_key(w[0]))
    for i in range(1, len(keys)):
        if keys[i - 1] == keys[i]:
            problems.append(f'key {keys[i]!r} written twice')
        elif keys[i - 1] > keys[i]:
            problems.append(f'write {i} key {keys[i]!r} sorts before {keys[i - 1]!r}')
    try:
        jcs(writes, allow_null=True)
    except ValueError as e:
        problems.append(f'writes are not signed-JSON values: {e}')
    return problems


def changes_hash(writes):
    return sha256(jcs(writes, allow_null=True))


def load_spki_b64(text):
    der = b64url_decode(text)
    key = serialization.load_der_public_key(der)
    if spki_der(key) != der:
        raise ValueError('SPKI DER does not re-encode to itself')
    return key


def genesis_problems(g):
    """Shape rules of §8.1 (the doc gives no error code for a malformed genesis)."""
    if not isinstance(g, dict):
        return ['genesis is not an object']
    if set(g) != GENESIS_FIELDS:
        return [f'fields {sorted(set(g) ^ GENESIS_FIELDS)} extra or missing']
    problems = []
    try:
        jcs(g)
    except ValueError as e:
        problems.append(str(e))
    if g['v'] != 1 or isinstance(g['v'], bool):
        problems.append('v is not 1')
    if g['kind'] != 'genesis':
        problems.append('kind is not "genesis"')
    if not is_safe_int(g['time']):
        problems.append('time is not an integer')
    try:
        if len(b64url_decode(g['salt'])) != 16:
            problems.append('salt is not 16 bytes')
    except ValueError as e:
        problems.append(f'salt: {e}')
    params = g['params']
    if not isinstance(params, dict) or set(params) != GENESIS_PARAMS:
        problems.append('params do not have exactly the five fields')
    elif not all(is_safe_int(params[p]) for p in GENESIS_PARAMS):
        problems.append('a param is not an integer')
    orgs = g['orgs']
    if not isinstance(orgs, list) or not orgs:
        return problems + ['orgs is not a non-empty list']
    seen_org, seen_user, seen_node, seen_spki = set(), set(), set(), set()
    for o in orgs:
        if not isinstance(o, dict) or set(o) != {'org', 'admins', 'nodes'}:
            problems.append('an org is not {org, admins, nodes}')
            continue
        if not isinstance(o['org'], str) or not ORG_ID.fullmatch(o['org']):
            problems.append(f"org id {o['org']!r}")
        if o['org'] in seen_org:
            problems.append(f"org {o['org']!r} twice")
        seen_org.add(o['org'])
        for a in o['admins'] if isinstance(o['admins'], list) else [None]:
            if not isinstance(a, dict) or set(a) != {'username', 'sigSpki', 'encSpki'}:
                problems.append(f"an admin of {o['org']} is not {{username, sigSpki, encSpki}}")
                continue
            if not isinstance(a['username'], str) or not USERNAME.fullmatch(a['username']):
                problems.append(f"username {a['username']!r}")
            skeleton = re.sub(r'[._-]', '', a['username']) if isinstance(a['username'], str) else a['username']
            if skeleton in seen_user:
                problems.append(f"username {a['username']!r} twice, or a lookalike differing only in separators")
            seen_user.add(skeleton)
            for f in ('sigSpki', 'encSpki'):
                if a[f] in seen_spki:
                    problems.append(f"{a['username']}.{f} is a key the genesis names twice")
                seen_spki.add(a[f])
                try:
                    check_rsa_params(load_spki_b64(a[f]))
                except (ValueError, CheckFailed) as e:
                    problems.append(f"{a['username']}.{f}: {e}")
        for nd in o['nodes'] if isinstance(o['nodes'], list) else [None]:
            if not isinstance(nd, dict) or set(nd) != {'nodeId', 'sigSpki'}:
                problems.append(f"a node of {o['org']} is not {{nodeId, sigSpki}}")
                continue
            if not isinstance(nd['nodeId'], str) or not ORG_ID.fullmatch(nd['nodeId']):
                problems.append(f"node id {nd['nodeId']!r}")
            if nd['nodeId'] in seen_node:
                problems.append(f"node id {nd['nodeId']!r} twice")
            seen_node.add(nd['nodeId'])
            if nd['sigSpki'] in seen_spki:
                problems.append(f"node {nd['nodeId']!r} has a key the genesis names twice")
            seen_spki.add(nd['sigSpki'])
            try:
                check_rsa_params(load_spki_b64(nd['sigSpki']))
            except (ValueError, CheckFailed) as e:
                problems.append(f"{nd['nodeId']}.sigSpki: {e}")
    return problems


def genesis_nodes(g):
    """nodeId → sig public key, from the genesis (§8.5: the node's key is named in the genesis)."""
    nodes = {}
    for o in g['orgs']:
        for nd in o['nodes']:
            nodes[nd['nodeId']] = load_spki_b64(nd['sigSpki'])
    return nodes


TX_HEADER_RULES = {
    'v': lambda x: x == 1 and not isinstance(x, bool),
    'chain': lambda x: is_hex(x, 64),
    'type': lambda x: isinstance(x, str) and TX_TYPE.fullmatch(x) is not None,
    'actor': lambda x: isinstance(x, str) and USERNAME.fullmatch(x) is not None,
    'keyId': lambda x: is_hex(x, 64),
    'nonce': lambda x: is_hex(x, 32),
    'notAfter': is_safe_int,
    'time': is_safe_int,
    'bodyHash': lambda x: is_hex(x, 64),
}


def tx_header_problem(h):
    """The field rules of §8.2 for a header already known to have exactly its ten fields and alg PS256."""
    for field in sorted(TX_HEADER_RULES):
        if not TX_HEADER_RULES[field](h[field]):
            return f'field {field}'
    return None


def parse_tx(tx, trusted_chain, allow_withheld):
    """Step 2 of §8.6 for one transaction: shape, chain, body hash.

    Returns (header, sig_raw, withheld). Raises DhlError with the doc's code
    (NO_DOC_CODE where §8.6 names the check but no code)."""
    if not isinstance(tx, dict):
        raise DhlError('TX_MALFORMED', 'tx is not an object')
    withheld = 'withheld' in tx
    expected = {'header', 'sig', 'withheld'} if withheld else {'header', 'body', 'sig'}
    if set(tx) != expected:
        extra, missing = sorted(set(tx) - expected), sorted(expected - set(tx))
        raise DhlError('TX_MALFORMED', f'field {(extra or missing)[0]!r} ' + ('not allowed' if extra else 'missing'))
    if withheld and tx['withheld'] is not True:
        raise DhlError('TX_MALFORMED', 'field withheld is not true')
    h = tx['header']
    if not isinstance(h, dict):
        raise DhlError('TX_MALFORMED', 'field header is not an object')
    if set(h) != TX_HEADER_FIELDS:
        extra, missing = sorted(set(h) - TX_HEADER_FIELDS), sorted(TX_HEADER_FIELDS - set(h))
        raise DhlError('TX_MALFORMED', f'header field {(extra or missing)[0]!r} ' + ('not allowed' if extra else 'missing'))
    if not isinstance(h['alg'], str):
        raise DhlError('TX_MALFORMED', 'field alg')
    if h['alg'] != SIG_ALG:
        raise DhlError('ALG_UNKNOWN', f"tx alg {h['alg']!r}")
    problem = tx_header_problem(h)
    if problem is not None:
        raise DhlError('TX_MALFORMED', problem)
    try:
        sig_raw = b64url_decode(tx['sig'])
    except ValueError as e:
        raise DhlError('TX_MALFORMED', f'field sig: {e}')
    if len(sig_raw) != 384:
        raise DhlError('TX_MALFORMED', f'field sig: {len(sig_raw)} bytes, not 384')
    if not withheld:
        try:
            jcs(tx['body'])
        except ValueError as e:
            raise DhlError('TX_MALFORMED', f'field body: {e}')
    if h['chain'] != trusted_chain:
        raise DhlError(NO_DOC_CODE, f"tx chain {h['chain'][:16]}… is not the trusted chain id")
    if withheld:
        if not allow_withheld:
            raise DhlError('CHAIN_BODY_MISSING', 'withheld body')
    elif body_hash(tx['body']) != h['bodyHash']:
        raise DhlError('TX_BODY_HASH_MISMATCH', 'SHA-256(JCS(body)) differs from header.bodyHash')
    return h, sig_raw, withheld


def block_header_problem(header):
    if not isinstance(header, dict):
        return 'header is not an object'
    if set(header) != BLOCK_HEADER_FIELDS:
        return f'header fields {sorted(set(header) ^ BLOCK_HEADER_FIELDS)} extra or missing'
    for f in ('chain', 'prevHash', 'entriesRoot', 'treeRoot', 'changesHash', 'stateDigest'):
        if not is_hex(header[f], 64):
            return f'header {f} is not 64 lowercase hex digits'
    for f in ('height', 'time', 'firstSeq', 'entryCount', 'treeSize'):
        if not is_safe_int(header[f]):
            return f'header {f} is not a non-negative safe integer'
    return None


class ChainError(Exception):
    def __init__(self, code, height, step, detail):
        super().__init__(f'{code or "(no code in the doc)"} at height {height}, §8.6 step {step}: {detail}')
        self.code, self.height, self.step, self.detail = code, height, step, detail


def fixture_sig_keys():
    """keyId → (username, public key) for every test/fixtures/keys/<user>.sig.public.pem."""
    ring = {}
    for name in sorted(os.listdir(KEYS_DIR)):
        m = re.fullmatch(r'(.+)\.sig\.public\.pem', name)
        if m:
            pub = load_public_pem(os.path.join(KEYS_DIR, name))
            ring[key_id(pub)] = (m.group(1), pub)
    return ring


def verify_chain(vectors, trusted_chain, keyring, allow_withheld=False):
    """§8.6 over the vector file's genesis and blocks; raises ChainError at the first failure.

    keyring: keyId → (username, public key), standing in for "the key the chain's state
    names for keyId" (the state itself is the contract's, outside this document).
    The vector file's annotations beside each block (blockHash, headerBytesHex,
    leafInputsHex, the block-level changesHash) are not chain data and are ignored.
    Returns a summary dict on success."""
    genesis = vectors.get('genesis')
    try:
        gid = chain_id_of(genesis)
    except (ValueError, RecursionError) as e:
        raise ChainError('CHAIN_GENESIS_MISMATCH', 0, 0, f'genesis cannot be canonicalised: {e}')
    if gid != trusted_chain:
        raise ChainError('CHAIN_GENESIS_MISMATCH', 0, 0, f'genesis hashes to {gid[:16]}…')
    problems = genesis_problems(genesis)
    if problems:
        raise ChainError(NO_DOC_CODE, 0, 0, 'malformed genesis: ' + '; '.join(problems))
    nodes = genesis_nodes(genesis)

    prev_hash, prev_height, prev_time = trusted_chain, 0, genesis['time']
    digest = state_digest0(trusted_chain)
    leaves, seen = [], set()
    blocks = vectors.get('blocks')
    if not isinstance(blocks, list):
        raise ChainError('BLOCK_MALFORMED', 1, 1, 'blocks is not a list')
    for block in blocks:
        height = prev_height + 1

        def fail(code, step, detail):
            raise ChainError(code, height, step, detail)

        # 1. header shape, chain, height, prevHash, time, firstSeq, non-empty
        if not isinstance(block, dict) or not {'header', 'entries', 'writes', 'attestations'} <= set(block):
            fail('BLOCK_MALFORMED', 1, 'block lacks header, entries, writes or attestations')
        header, entries = block['header'], block['entries']
        problem = block_header_problem(header)
        if problem is None and not isinstance(entries, list):
            problem = 'entries is not a list'
        if problem is None and header['entryCount'] != len(entries):
            problem = f"entryCount {header['entryCount']} but {len(entries)} entries"
        if problem is None and header['treeSize'] != header['firstSeq'] + header['entryCount']:
            problem = f"treeSize {header['treeSize']} ≠ firstSeq + entryCount"
        if problem is not None:
            fail('BLOCK_MALFORMED', 1, problem)
        if header['chain'] != trusted_chain:
            fail(NO_DOC_CODE, 1, 'header chain is not the trusted chain id')
        if header['height'] != prev_height + 1:
            fail('CHAIN_HEIGHT_GAP', 1, f"height {header['height']} after {prev_height}")
        if header['prevHash'] != prev_hash:
            fail('CHAIN_PREV_HASH_MISMATCH', 1, 'prevHash is not the previous block hash')
        if header['time'] < prev_time:
            fail('CHAIN_TIME_REGRESSION', 1, f"time {header['time']} < {prev_time}")
        if header['firstSeq'] != len(leaves):
            fail('CHAIN_SEQ_MISMATCH', 1, f"firstSeq {header['firstSeq']}, log has {len(leaves)}")
        if header['entryCount'] < 1:
            fail('CHAIN_EMPTY_BLOCK', 1, 'no entries')
        if header['entryCount'] > genesis['params']['maxBlockTxs']:
            fail('CHAIN_BLOCK_TOO_LARGE', 1, f"{header['entryCount']} entries, genesis maxBlockTxs {genesis['params']['maxBlockTxs']}")

        # 2. each transaction's shape, chain, body hash; withheld bodies; no tx twice
        parsed = []
        for j, entry in enumerate(entries):
            if not isinstance(entry, dict) or set(entry) != {'tx', 'outcome'}:
                fail('BLOCK_MALFORMED', 2, f'entry {j} is not {{tx, outcome}}')
            if not isinstance(entry['outcome'], str) or not OUTCOME.fullmatch(entry['outcome']):
                fail('BLOCK_MALFORMED', 2, f'entry {j} outcome is not "OK" or a code')
            try:
                h, sig_raw, _ = parse_tx(entry['tx'], trusted_chain, allow_withheld)
            except DhlError as e:
                fail(e.code, 2, f'entry {j}: {e.detail or e.code}')
            th = tx_hash(h, sig_raw)
            if th in seen:
                fail('CHAIN_DUPLICATE_TX', 2, f'entry {j} tx {th[:16]}… already in the log')
            seen.add(th)
            parsed.append((h, sig_raw, th, entry['outcome']))

        # 3. signatures
        for j, (h, sig_raw, _, _) in enumerate(parsed):
            known = keyring.get(h['keyId'])
            if known is None or known[0] != h['actor']:
                fail('TX_KEY_UNKNOWN', 3, f"entry {j}: no sig key {h['keyId'][:16]}… for {h['actor']}")
            if not ps256_verify(known[1], sig_raw, tx_signed_bytes(h)):
                fail('TX_SIGNATURE_INVALID', 3, f'entry {j}')

        # 4. entriesRoot, then treeRoot
        own = [leaf_input(log_entry(th, outcome)) for _, _, th, outcome in parsed]
        if merkle_root(own).hex() != header['entriesRoot']:
            fail('CHAIN_ENTRIES_ROOT_MISMATCH', 4, 'entriesRoot')
        leaves.extend(own)
        if merkle_root(leaves).hex() != header['treeRoot']:
            fail('CHAIN_TREE_ROOT_MISMATCH', 4, f'treeRoot over {len(leaves)} leaves')

        # 5. (re-execution is the contract's: not in this document) changesHash, state digest
        problems = writes_problems(block['writes'])
        if problems:
            fail(NO_DOC_CODE, 5, 'writes: ' + '; '.join(problems))
        ch = changes_hash(block['writes'])
        if ch.hex() != header['changesHash']:
            fail('CHAIN_CHANGES_HASH_MISMATCH', 5, 'SHA-256(JCS(writes))')
        digest = next_state_digest(digest, ch)
        if digest.hex() != header['stateDigest']:
            fail('CHAIN_STATE_DIGEST_MISMATCH', 5, 'stateDigest')

        bh = block_hash(header)

        # 6. attestations
        atts = block['attestations']
        if not isinstance(atts, list):
            fail('CHAIN_ATTESTATION_INVALID', 6, 'attestations is not a list')
        by_node = set()
        for a_i, att in enumerate(atts):
            why = attestation_problem(att, header, bh, nodes)
            if why is None and att['attestation']['nodeId'] in by_node:
                why = f"second attestation by {att['attestation']['nodeId']}"
            if why is not None:
                fail('CHAIN_ATTESTATION_INVALID', 6, f'attestation {a_i}: {why}')
            by_node.add(att['attestation']['nodeId'])

        prev_hash, prev_height, prev_time = bh, height, header['time']
    return {'height': prev_height, 'treeSize': len(leaves), 'head': prev_hash}


def attestation_problem(att, header, bh, nodes):
    """Step 6 for one attestation: fields match the block, node and key in the genesis, signature."""
    if not isinstance(att, dict) or set(att) != {'attestation', 'sig'}:
        return 'not {attestation, sig}'
    a = att['attestation']
    if not isinstance(a, dict) or set(a) != ATTESTATION_FIELDS:
        return 'attestation does not have exactly the seven fields'
    if a['alg'] != SIG_ALG:
        return f"alg {a['alg']!r}"
    want = {'chain': header['chain'], 'height': header['height'], 'blockHash': bh, 'stateDigest': header['stateDigest']}
    for f, v in want.items():
        if a[f] != v:
            return f'{f} differs from the block'
    node_key = nodes.get(a['nodeId'])
    if node_key is None:
        return f"node {a['nodeId']!r} is not in the genesis"
    if a['keyId'] != key_id(node_key):
        return 'keyId is not the genesis key of the node'
    try:
        sig = b64url_decode(att['sig'])
        message = attestation_bytes(a)
    except ValueError as e:
        return str(e)
    if len(sig) != 384 or not ps256_verify(node_key, sig, message):
        return 'PS256 signature does not verify'
    return None


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, label):
        self.passed += 1
        print(f'ok   {label}')

    def fail(self, label, reason):
        self.failed += 1
        print(f'FAIL {label}: {reason}')

    def check(self, label, fn):
        """Run fn(); a return of None/True passes; False, an exception or a string (reason) fails."""
        try:
            result = fn()
        except (CheckFailed, DhlError) as e:
            self.fail(label, str(e))
            return
        except Exception as e:  # a crash in a check is a failed check, never a pass
            self.fail(label, f'{type(e).__name__}: {e}')
            return
        if result is None or result is True:
            self.ok(label)
        else:
            self.fail(label, result if isinstance(result, str) else 'check returned false')

    def info(self, text):
        print(f'#    {text}')


def expect_equal(actual, expected, what='value'):
    if actual != expected:
        def show(v):
            if isinstance(v, bytes):
                v = v.hex()
            s = repr(v)
            return s if len(s) <= 80 else s[:77] + '...'
        raise CheckFailed(f'{what}: got {show(actual)}, expected {show(expected)}')


def expect_code(fn, expected_code):
    try:
        fn()
    except DhlError as e:
        expect_equal(e.code, expected_code, f'error code ({e})')
        return
    raise CheckFailed(f'succeeded, expected {expected_code}')


# ---------------------------------------------------------------------------
# Section checkers: check_<section>(report, entries, ctx)
# ---------------------------------------------------------------------------

def check_keys(report, keys, ctx):
    for name, entry in keys.items():
        label = f'keys[{name}]'
        path = repo_path(entry['spkiPemFile'])

        def kid_matches(path=path, entry=entry):
            expect_equal(key_id(load_public_pem(path)), entry['keyId'], 'SHA-256(SPKI DER)')
        report.check(f'{label} keyId = SHA-256(SPKI DER) of {entry["spkiPemFile"]}', kid_matches)
        report.check(f'{label} RSA 3072 bits, e = 65537', lambda path=path: check_rsa_params(load_public_pem(path)))
        private = key_path(name, 'private')
        if os.path.exists(private):
            report.check(f'{label} private PEM is the same key pair',
                         lambda path=path, private=private: expect_equal(
                             spki_der(load_private_pem(private).public_key()), spki_der(load_public_pem(path)), 'SPKI'))


def envelope_vector_stream(vector):
    return [b64url_decode(c['storedB64']) for c in sorted(vector['chunks'], key=lambda c: c['index'])]


def check_envelopes(report, envelopes, ctx):
    for v in envelopes:
        label = f"envelopes[{v['name']}]"
        fields = envelope_header_fields(v['chain'], v['recordId'], v['version'], v['chunkSize'])
        dek = bytes.fromhex(v['dekHex'])
        content = bytes.fromhex(v['contentHex'])
        stored = envelope_vector_stream(v)
        stream = b''.join(stored)
        vchunks = sorted(v['chunks'], key=lambda c: c['index'])

        def header_bytes():
            built = build_header_chunk(fields)
            expect_equal(built, bytes.fromhex(v['headerHex']), 'built header vs headerHex')
            expect_equal(stored[0], built, 'stored chunk 0 vs built header')
            expect_equal(read_u32be(built), len(built) - 4, 'u32be length')
        report.check(f'{label} header chunk = u32be(n) ‖ tag ‖ JCS(fields)', header_bytes)

        def header_parses():
            header, jcs_part, _ = parse_envelope_header(stream)
            expect_equal(header, fields, 'parsed header')
            expect_equal(jcs_part, jcs(fields), 'JCS part')
        report.check(f'{label} header parses, is canonical, has exactly the five fields', header_parses)

        report.check(f'{label} AAD = SHA-256(JCS part)',
                     lambda: expect_equal(sha256(jcs(fields)), bytes.fromhex(v['aadHex']), 'AAD'))

        def nonces():
            data = vchunks[1:]
            for pos, c in enumerate(data):
                last = pos == len(data) - 1
                expect_equal(c['index'], pos + 1, 'chunk index')
                expect_equal(bool(c.get('last')), last, f"chunk {c['index']} last flag")
                expect_equal(envelope_nonce(pos, last), bytes.fromhex(c['nonceHex']), f"chunk {c['index']} nonce")
        report.check(f'{label} every nonce = counter(11 bytes) ‖ last flag', nonces)

        def chunking():
            meta = jcs({'fileName': v['fileName']})
            plain_len = 4 + len(meta) + len(content)
            count = max(1, -(-plain_len // v['chunkSize']))
            expect_equal(len(stored) - 1, count, 'number of data chunks')
            for i, c in enumerate(stored[1:-1], start=1):
                expect_equal(len(c), v['chunkSize'] + GCM_TAG_LEN, f'chunk {i} size')
            last_plain = plain_len - (count - 1) * v['chunkSize']
            expect_equal(len(stored[-1]), last_plain + GCM_TAG_LEN, 'last chunk size')
        report.check(f'{label} chunk count max(1, ⌈len/chunkSize⌉) and sizes', chunking)

        opened = {}

        def decrypts():
            header, name, body = open_envelope(stream, dek, expect=fields)
            opened['name'], opened['content'] = name, body
        report.check(f'{label} decrypts with the DEK (AES-256-GCM STREAM)', decrypts)

        def file_name():
            if 'name' not in opened:
                raise CheckFailed('did not decrypt')
            expect_equal(opened['name'], v['fileName'], 'fileName')
        report.check(f'{label} decrypted fileName', file_name)

        def contents():
            if 'content' not in opened:
                raise CheckFailed('did not decrypt')
            expect_equal(opened['content'], content, 'content')
        report.check(f'{label} decrypted content ({len(content)} bytes)', contents)

        report.check(f'{label} re-encryption reproduces every stored chunk',
                     lambda: expect_equal(seal_envelope(fields, v['fileName'], content, dek), stored, 'stored chunks'))

        for c, raw in zip(vchunks, stored):
            report.check(f"{label} chunk {c['index']} SHA-256",
                         lambda c=c, raw=raw: expect_equal(sha256(raw), bytes.fromhex(c['hashHex']), 'hash'))

        report.check(f'{label} cipherRoot (RFC 9162 over chunk hashes)',
                     lambda: expect_equal(merkle_root([sha256(c) for c in stored]), bytes.fromhex(v['cipherRoot']),
                                          'cipherRoot'))


def check_envelopeNegatives(report, negatives, ctx):
    bases = {v['name']: v for v in ctx.get('envelopes', [])}
    for n in negatives:
        label = f"envelopeNegatives[{n['name']}] ({n.get('mutation', '')})"

        def fails(n=n):
            stream = b''.join(b64url_decode(s) for s in n['storedB64'])
            dek = bytes.fromhex(n['dekHex'])
            base = bases.get(n.get('base'))
            if base is not None:
                same = stream == b''.join(envelope_vector_stream(base)) and dek == bytes.fromhex(base['dekHex'])
                if same:
                    raise CheckFailed('identical to its base envelope: nothing was mutated')
            expect_code(lambda: open_envelope(stream, dek), n['expectedCode'])
        report.check(f"{label} fails as {n['expectedCode']}", fails)


def check_wraps(report, wraps, ctx):
    keys = ctx.get('keys', {})
    for w in wraps:
        label = f"wraps[{w['name']}]"
        wrapped = w['wrapped']
        recipient = w['recipient']

        def label_bytes():
            built = wrap_label(w['chain'], wrapped['keyId'], w['recordId'], w['version'])
            expect_equal(built, bytes.fromhex(w['labelHex']), 'OAEP label')
        report.check(f'{label} OAEP label = "dhl/wrap/v1\\n" ‖ JCS({{chain, keyId, recordId, version}})', label_bytes)

        def shape():
            expect_equal(set(wrapped), WRAP_FIELDS, 'fields')
            expect_equal(wrapped['alg'], WRAP_ALG, 'alg')
            expect_equal(wrapped['recordId'], w['recordId'], 'recordId')
            expect_equal(wrapped['version'], w['version'], 'version')
            expect_equal(len(b64url_decode(wrapped['wrappedDek'])), 384, 'wrappedDek length')
        report.check(f'{label} wrapped key has exactly the five fields, 384-byte wrappedDek', shape)

        def kid():
            kid_priv = key_id(load_private_pem(key_path(recipient, 'private')).public_key())
            expect_equal(kid_priv, wrapped['keyId'], 'keyId vs SHA-256(SPKI) of the private key')
            expect_equal(key_id(load_public_pem(key_path(recipient, 'public'))), wrapped['keyId'], 'public PEM key id')
            if recipient in keys:
                expect_equal(keys[recipient]['keyId'], wrapped['keyId'], 'keys section')
        report.check(f'{label} keyId = SHA-256(SPKI DER) of {recipient}', kid)

        def unwraps():
            priv = load_private_pem(key_path(recipient, 'private'))
            expect_equal(unwrap_dek(wrapped, w['chain'], priv), bytes.fromhex(w['dekHex']), 'DEK')
        report.check(f'{label} RSA-OAEP-256 unwraps to the DEK with {recipient}', unwraps)


def check_wrapNegatives(report, negatives, ctx):
    for n in negatives:
        label = f"wrapNegatives[{n['name']}]"

        def fails(n=n):
            priv = load_private_pem(key_path(n['recipient'], 'private'))
            expect_code(lambda: unwrap_dek(n['wrapped'], n['chain'], priv), n['expectedCode'])
        report.check(f"{label} fails as {n['expectedCode']}", fails)


def check_manifests(report, manifests, ctx):
    keys = ctx.get('keys', {})
    envelopes = ctx.get('envelopes', [])
    for entry in manifests:
        label = f"manifests[{entry['name']}]"
        signed = entry['signed']
        manifest = signed['manifest']
        signer = entry['signer']

        report.check(f'{label} manifest has exactly the twelve fields, well-formed',
                     lambda: '; '.join(manifest_problems(manifest)) or None)
        report.check(f'{label} signed envelope is {{manifest, signature: {{alg, keyId, sig}}}}',
                     lambda: expect_equal((set(signed), set(signed['signature'])),
                                          ({'manifest', 'signature'}, {'alg', 'keyId', 'sig'}), 'fields'))
        report.check(f'{label} signed bytes = "dhl/manifest/v1\\n" ‖ JCS(manifest)',
                     lambda: expect_equal(tagged(MANIFEST_TAG, manifest), bytes.fromhex(entry['signingBytesHex']),
                                          'signed bytes'))

        def kids():
            kid = key_id(load_public_pem(key_path(signer, 'public')))
            expect_equal(signed['signature']['keyId'], kid, 'signature keyId')
            expect_equal(manifest['authorKeyId'], kid, 'authorKeyId')
            if signer in keys:
                expect_equal(keys[signer]['keyId'], kid, 'keys section')
        report.check(f'{label} signature keyId = authorKeyId = key id of {signer}', kids)

        def verifies():
            pub = load_public_pem(key_path(signer, 'public'))
            expect_equal(len(b64url_decode(signed['signature']['sig'])), 384, 'signature length')
            verify_signed_manifest(signed, pub)
        report.check(f'{label} PS256 signature verifies (salt 32)', verifies)

        def tampered_message():
            pub = load_public_pem(key_path(signer, 'public'))
            message = bytearray(tagged(MANIFEST_TAG, manifest))
            sig = b64url_decode(signed['signature']['sig'])
            for pos in (0, len(message) // 2, len(message) - 1):
                changed = bytearray(message)
                changed[pos] ^= 0x01
                if ps256_verify(pub, sig, bytes(changed)):
                    raise CheckFailed(f'verified with signed byte {pos} changed')
        report.check(f'{label} one changed signed byte fails verification', tampered_message)

        def tampered_signature():
            pub = load_public_pem(key_path(signer, 'public'))
            message = tagged(MANIFEST_TAG, manifest)
            sig = b64url_decode(signed['signature']['sig'])
            for pos in (0, len(sig) // 2, len(sig) - 1):
                changed = bytearray(sig)
                changed[pos] ^= 0x01
                if ps256_verify(pub, bytes(changed), message):
                    raise CheckFailed(f'verified with signature byte {pos} changed')
        report.check(f'{label} one changed signature byte fails verification', tampered_signature)

        match = [v for v in envelopes if (v['chain'], v['recordId'], v['version']) ==
                 (manifest['chain'], manifest['recordId'], manifest['version'])]
        if match:
            v = match[0]

            def agrees():
                stored = envelope_vector_stream(v)
                expect_equal(manifest['cipherRoot'], merkle_root([sha256(c) for c in stored]).hex(), 'cipherRoot')
                expect_equal(manifest['chunkSize'], v['chunkSize'], 'chunkSize')
                expect_equal(manifest['size'], len(bytes.fromhex(v['contentHex'])), 'size (content bytes only)')
            report.check(f"{label} cipherRoot, chunkSize, size agree with envelopes[{v['name']}]", agrees)


# ---------------------------------------------------------------------------
# Ledger vector file (test/vectors/ledger/ledger-vectors.json), §8
# ---------------------------------------------------------------------------

def _attempt(fn, default=None):
    """Compute a running value for later checks; a crash leaves `default` (the check itself fails)."""
    try:
        return fn()
    except Exception:
        return default


def own_tx_hash(tx):
    return tx_hash(tx['header'], b64url_decode(tx['sig']))


def own_log_leaves(ctx):
    """Every leaf input of the log, recomputed from the blocks' transactions and outcomes."""
    leaves = []
    for block in ctx.get('blocks', []):
        for entry in block['entries']:
            leaves.append(leaf_input(log_entry(own_tx_hash(entry['tx']), entry['outcome'])))
    return leaves


def flipped(raw, pos, bit=0x01):
    changed = bytearray(raw)
    changed[pos] ^= bit
    return bytes(changed)


def check_genesis(report, genesis, ctx):
    label = 'genesis'
    report.check(f'{label} has exactly the §8.1 fields, ids/usernames well-formed and unique, RSA-3072 SPKIs',
                 lambda: '; '.join(genesis_problems(genesis)) or None)
    if 'genesisBytesHex' in ctx:
        report.check(f'{label} signed bytes = "dhl/genesis/v1\\n" ‖ JCS(genesis) = genesisBytesHex',
                     lambda: expect_equal(genesis_bytes(genesis), bytes.fromhex(ctx['genesisBytesHex']), 'signed bytes'))
    if 'chainId' in ctx:
        report.check(f'{label} chain id = SHA-256(signed bytes) = chainId',
                     lambda: expect_equal(chain_id_of(genesis), ctx['chainId'], 'chain id'))
    if 'stateDigest0' in ctx:
        report.check(f'{label} stateDigest0 = SHA-256("dhl/state/v1\\n" ‖ chain id, 32 raw bytes)',
                     lambda: expect_equal(state_digest0(chain_id_of(genesis)).hex(), ctx['stateDigest0'], 'stateDigest0'))

    def fixture_keys():
        seen = 0
        for o in genesis['orgs']:
            for a in o['admins']:
                for half, field in (('sig', 'sigSpki'), ('enc', 'encSpki')):
                    path = key_path(f"{a['username']}.{half}", 'public')
                    if os.path.exists(path):
                        expect_equal(b64url_decode(a[field]), spki_der(load_public_pem(path)), f"{a['username']}.{field}")
                        seen += 1
            for nd in o['nodes']:
                path = key_path(f"{nd['nodeId']}.sig", 'public')
                if os.path.exists(path):
                    expect_equal(b64url_decode(nd['sigSpki']), spki_der(load_public_pem(path)), f"{nd['nodeId']}.sigSpki")
                    seen += 1
        if seen == 0:
            raise CheckFailed('no genesis key has a fixture PEM')
    report.check(f'{label} admin and node SPKIs are the fixture PEM keys', fixture_keys)


def check_txExamples(report, examples, ctx):
    by_hash = {}
    for block in ctx.get('blocks', []):
        for entry in block['entries']:
            h = _attempt(lambda: own_tx_hash(entry['tx']))
            if h is not None:
                by_hash[h] = entry['tx']
    keyring = fixture_sig_keys()
    for ex in examples:
        label = f"txExamples[{ex['name']}]"
        tx = by_hash.get(ex['txHash'])
        signed = bytes.fromhex(ex['signingBytesHex'])

        def parses():
            tag = TX_TAG.encode('ascii') + b'\n'
            if not signed.startswith(tag):
                raise CheckFailed('signed bytes do not start with "dhl/tx/v1\\n"')
            header = parse_canonical(signed[len(tag):])
            expect_equal(set(header), TX_HEADER_FIELDS, 'header fields')
            expect_equal(header['bodyHash'], ex['bodyHash'], 'header.bodyHash vs bodyHash')
        report.check(f'{label} signingBytesHex = "dhl/tx/v1\\n" ‖ canonical header naming bodyHash', parses)

        def found():
            if tx is None:
                raise CheckFailed(f"no transaction in the blocks hashes to {ex['txHash']}")
        report.check(f'{label} txHash is the recomputed hash of a transaction in the blocks', found)
        if tx is None:
            continue
        report.check(f'{label} bodyHash = SHA-256(JCS(body))',
                     lambda tx=tx: expect_equal(body_hash(tx['body']), ex['bodyHash'], 'bodyHash'))
        report.check(f'{label} signed bytes = "dhl/tx/v1\\n" ‖ JCS(header)',
                     lambda tx=tx: expect_equal(tx_signed_bytes(tx['header']), signed, 'signed bytes'))
        report.check(f'{label} txHash = SHA-256(signed bytes ‖ 384 signature bytes)',
                     lambda tx=tx: expect_equal(sha256(signed + b64url_decode(tx['sig'])).hex(), ex['txHash'], 'txHash'))

        def verifies(tx=tx):
            known = keyring.get(tx['header']['keyId'])
            if known is None:
                raise CheckFailed('keyId is no fixture sig key')
            if not ps256_verify(known[1], b64url_decode(tx['sig']), signed):
                raise CheckFailed('PS256 signature does not verify over signingBytesHex')
        report.check(f'{label} PS256 signature verifies over signingBytesHex', verifies)


def check_blocks(report, blocks, ctx):
    chain = ctx.get('chainId')
    genesis = ctx.get('genesis', {})
    keyring = fixture_sig_keys()
    nodes = _attempt(lambda: genesis_nodes(genesis), {})
    prev_hash = chain
    prev_time = genesis.get('time')
    digest = _attempt(lambda: state_digest0(chain))
    leaves = []
    log_hashes = []
    for i, block in enumerate(blocks):
        label = f'blocks[{i}]'
        header = block['header']
        entries = block['entries']
        height = i + 1

        report.check(f'{label} header has exactly the eleven §8.4 fields, well-formed',
                     lambda header=header: block_header_problem(header))
        report.check(f'{label} chain = chain id, height = {height}',
                     lambda header=header, height=height: expect_equal((header['chain'], header['height']),
                                                                     (chain, height), '(chain, height)'))
        report.check(f"{label} prevHash = {'the chain id' if i == 0 else f'hash of blocks[{i - 1}]'}",
                     lambda header=header, prev_hash=prev_hash: expect_equal(header['prevHash'], prev_hash, 'prevHash'))

        def time_ok(header=header, prev_time=prev_time):
            if not isinstance(prev_time, int) or header['time'] < prev_time:
                raise CheckFailed(f"time {header['time']} is earlier than {prev_time}")
        report.check(f"{label} time not earlier than {'the genesis' if i == 0 else f'blocks[{i - 1}]'}", time_ok)

        def seq_ok(header=header, entries=entries, before=len(leaves)):
            expect_equal(header['firstSeq'], before, 'firstSeq (log size before the block)')
            expect_equal(header['entryCount'], len(entries), 'entryCount (entries in the block)')
            if header['entryCount'] < 1:
                raise CheckFailed('empty block')
            if header['entryCount'] > genesis['params']['maxBlockTxs']:
                raise CheckFailed(f"{header['entryCount']} entries > genesis maxBlockTxs")
            expect_equal(header['treeSize'], header['firstSeq'] + header['entryCount'], 'treeSize')
        report.check(f'{label} firstSeq = {len(leaves)} continues the log, 1 ≤ entryCount = entries ≤ maxBlockTxs, '
                     'treeSize = firstSeq + entryCount', seq_ok)

        if 'headerBytesHex' in block:
            report.check(f'{label} header bytes = "dhl/block/v1\\n" ‖ JCS(header) = headerBytesHex',
                         lambda header=header, block=block: expect_equal(block_header_bytes(header),
                                                                         bytes.fromhex(block['headerBytesHex']), 'bytes'))
        own_bh = _attempt(lambda: block_hash(header))
        if 'blockHash' in block:
            report.check(f'{label} block hash = SHA-256(header bytes) = blockHash',
                         lambda header=header, block=block: expect_equal(block_hash(header), block['blockHash'],
                                                                         'block hash'))

        own_leaves = []
        leaf_hex = block.get('leafInputsHex')
        if leaf_hex is not None:
            report.check(f'{label} leafInputsHex has one leaf per entry',
                         lambda leaf_hex=leaf_hex, entries=entries: expect_equal(len(leaf_hex), len(entries), 'count'))
        for j, entry in enumerate(entries):
            tx = entry['tx']
            th = tx.get('header', {})
            elabel = f"{label}.entries[{j}] ({th.get('type')} by {th.get('actor')})"
            report.check(f'{elabel} tx is {{header, body, sig}}: exact fields, well-formed, chain = chain id',
                         lambda tx=tx: (parse_tx(tx, chain, allow_withheld=False), None)[1])
            report.check(f'{elabel} bodyHash = SHA-256(JCS(body))',
                         lambda tx=tx: expect_equal(body_hash(tx['body']), tx['header']['bodyHash'], 'bodyHash'))

            def signed_ok(tx=tx):
                signed = tx_signed_bytes(tx['header'])
                tag = TX_TAG.encode('ascii') + b'\n'
                expect_equal(parse_canonical(signed[len(tag):]), tx['header'], 'signed bytes parse back')
            report.check(f'{elabel} signed bytes = "dhl/tx/v1\\n" ‖ JCS(header) (canonical)', signed_ok)

            def sig_ok(tx=tx):
                h = tx['header']
                known = keyring.get(h['keyId'])
                if known is None:
                    raise CheckFailed(f"keyId {h['keyId'][:16]}… is no fixture sig key")
                expect_equal(known[0], h['actor'], 'owner of keyId vs actor')
                sig = b64url_decode(tx['sig'])
                expect_equal(len(sig), 384, 'signature length')
                if not ps256_verify(known[1], sig, tx_signed_bytes(h)):
                    raise CheckFailed('PS256 signature does not verify')
                signed = tx_signed_bytes(h)
                for pos in (0, len(signed) // 2, len(signed) - 1):
                    if ps256_verify(known[1], sig, flipped(signed, pos)):
                        raise CheckFailed(f'verified with signed byte {pos} changed')
            report.check(f"{elabel} PS256 verifies under the actor's sig key (keyId = SHA-256(SPKI)); "
                         'a changed signed byte does not', sig_ok)

            def expiry_ok(tx=tx, entry=entry, header=header):
                if entry['outcome'] == 'OK' and header['time'] > tx['header']['notAfter']:
                    raise CheckFailed(f"applied at block time {header['time']} after notAfter {tx['header']['notAfter']}")
                if not isinstance(entry['outcome'], str) or not OUTCOME.fullmatch(entry['outcome']):
                    raise CheckFailed(f"outcome {entry['outcome']!r} is not OK or a code")
            report.check(f"{elabel} outcome {entry['outcome']!r} is OK or a code; if OK, block time ≤ notAfter",
                         expiry_ok)

            own_th = _attempt(lambda: own_tx_hash(tx))
            log_hashes.append(own_th)
            own_leaf = _attempt(lambda: leaf_input(log_entry(own_th, entry['outcome'])))
            own_leaves.append(own_leaf)
            if leaf_hex is not None:
                report.check(f'{elabel} leaf input = SHA-256(JCS({{tx: txHash, outcome}})) = leafInputsHex[{j}]',
                             lambda own_leaf=own_leaf, j=j, leaf_hex=leaf_hex: expect_equal(
                                 own_leaf, bytes.fromhex(leaf_hex[j]) if j < len(leaf_hex) else None, 'leaf input'))

        def unique(upto=len(log_hashes)):
            hashes = log_hashes[:upto]
            if None in hashes:
                raise CheckFailed('a tx hash could not be computed')
            if len(set(hashes)) != len(hashes):
                raise CheckFailed('a transaction hash appears twice in the log')
        report.check(f'{label} no transaction hash appears twice in the log so far', unique)

        report.check(f'{label} entriesRoot = RFC 9162 root of the block\'s {len(entries)} leaves',
                     lambda own_leaves=own_leaves, header=header: expect_equal(merkle_root(own_leaves).hex(),
                                                                               header['entriesRoot'], 'entriesRoot'))
        leaves = leaves + own_leaves

        def tree_ok(header=header, leaves=leaves):
            expect_equal(header['treeSize'], len(leaves), 'treeSize (leaves so far)')
            expect_equal(merkle_root(leaves).hex(), header['treeRoot'], 'treeRoot')
        report.check(f'{label} treeSize = {len(leaves)}, treeRoot = RFC 9162 root of every leaf so far', tree_ok)

        writes = block['writes']
        report.check(f'{label} {len(writes)} writes: [key, value|null] pairs, keys unique and sorted by UTF-8 bytes',
                     lambda writes=writes: '; '.join(writes_problems(writes)) or None)
        own_ch = _attempt(lambda: changes_hash(writes))

        def ch_ok(own_ch=own_ch, header=header, block=block):
            if own_ch is None:
                raise CheckFailed('writes cannot be canonicalised')
            expect_equal(own_ch.hex(), header['changesHash'], 'header changesHash')
            if 'changesHash' in block:
                expect_equal(own_ch.hex(), block['changesHash'], 'block changesHash')
        report.check(f'{label} changesHash = SHA-256(JCS(writes)) (null allowed)', ch_ok)

        digest = _attempt(lambda: next_state_digest(digest, own_ch))
        report.check(f"{label} stateDigest = SHA-256(stateDigest({i}) ‖ changesHash({height}))",
                     lambda digest=digest, header=header: expect_equal(digest.hex() if digest else None,
                                                                       header['stateDigest'], 'stateDigest'))

        atts = block['attestations']
        report.check(f'{label} has {len(atts)} attestation(s), at most one per node',
                     lambda atts=atts: expect_equal(len({a['attestation']['nodeId'] for a in atts}), len(atts),
                                                    'distinct nodes') if atts else 'no attestation')
        for k, att in enumerate(atts):
            alabel = f'{label}.attestations[{k}]'
            a = att['attestation']

            def fields_ok(a=a, att=att, header=header, own_bh=own_bh):
                expect_equal(set(att), {'attestation', 'sig'}, 'fields')
                expect_equal(set(a), ATTESTATION_FIELDS, 'attestation fields')
                expect_equal(a['alg'], SIG_ALG, 'alg')
                expect_equal((a['chain'], a['height'], a['blockHash'], a['stateDigest']),
                             (chain, header['height'], own_bh, header['stateDigest']), '(chain, height, blockHash, stateDigest)')
            report.check(f'{alabel} chain, height, blockHash (recomputed), stateDigest agree with the block', fields_ok)

            def node_ok(a=a):
                expect_equal(a['nodeId'], 'node1', 'nodeId')
                if a['nodeId'] not in nodes:
                    raise CheckFailed('node not in the genesis')
                expect_equal(a['keyId'], key_id(nodes[a['nodeId']]), 'keyId vs SHA-256(genesis SPKI)')
                expect_equal(a['keyId'], key_id(load_public_pem(key_path('node1.sig', 'public'))), 'node1.sig fixture')
            report.check(f'{alabel} nodeId node1 is a genesis node; keyId = SHA-256(SPKI) of its genesis key', node_ok)

            def att_sig_ok(a=a, att=att):
                pub = nodes[a['nodeId']]
                message = attestation_bytes(a)
                sig = b64url_decode(att['sig'])
                expect_equal(len(sig), 384, 'signature length')
                if not ps256_verify(pub, sig, message):
                    raise CheckFailed('PS256 signature does not verify')
                for pos in (0, len(message) // 2, len(message) - 1):
                    if ps256_verify(pub, sig, flipped(message, pos)):
                        raise CheckFailed(f'verified with signed byte {pos} changed')
            report.check(f'{alabel} PS256 over "dhl/attest/v1\\n" ‖ JCS(attestation) verifies under the genesis '
                         'node key; a changed byte does not', att_sig_ok)

        prev_hash = own_bh
        prev_time = header.get('time')

    def whole():
        if chain is None:
            raise CheckFailed('the file has no chainId to trust')
        got = verify_chain(ctx, chain, keyring)
        expect_equal((got['height'], got['treeSize']), (len(blocks), sum(len(b['entries']) for b in blocks)),
                     '(height, treeSize)')
    report.check(f'blocks: the whole chain verifies in §8.6 order from the trusted chain id '
                 f'({len(blocks)} blocks)', whole)

    def every_value_matters():
        # Not the vector file's annotations (blockHash, headerBytesHex, leafInputsHex and the
        # block-level changesHash): they are not chain data, so my chain check never reads them.
        annotations = {'blockHash', 'headerBytesHex', 'leafInputsHex', 'changesHash'}

        def leaves_of(node, path):
            if isinstance(node, dict):
                for k, x in node.items():
                    if not (len(path) == 2 and path[0] == 'blocks' and k in annotations):
                        yield from leaves_of(x, path + [k])
            elif isinstance(node, list):
                for n, x in enumerate(node):
                    yield from leaves_of(x, path + [n])
            else:
                yield path, node

        def changed(x):
            if isinstance(x, bool):
                return not x
            if isinstance(x, int):
                return x + 1
            if x and x[-1] in '0123456789abcdef':
                return x[:-1] + ('1' if x[-1] == '0' else '0')
            return x + 'A'
        try:
            verify_chain(ctx, chain, keyring)
        except ChainError as e:
            raise CheckFailed(f'the unchanged chain does not verify ({e}): nothing to compare with')
        values = list(leaves_of({'genesis': genesis, 'blocks': blocks}, []))
        survivors = []
        for path, x in values:
            mutated, _ = apply_mutation(ctx, path, changed(x))
            try:
                verify_chain(mutated, chain, keyring)
                survivors.append(path)
            except ChainError:
                pass
        if survivors:
            raise CheckFailed(f'{len(survivors)} of {len(values)} changes verify, e.g. at {survivors[0]}')
        return None
    report.check('blocks: every single value of the genesis and the blocks (headers, txs, outcomes, writes, '
                 'attestations), changed alone, makes my chain check fail', every_value_matters)


def check_proofs(report, proofs, ctx):
    leaves = _attempt(lambda: own_log_leaves(ctx), [])
    report.info(f'proofs: checked against the log recomputed from the blocks ({len(leaves)} leaves)')
    for n, p in enumerate(proofs.get('inclusion', [])):
        label = f"proofs.inclusion[{n}] (leaf {p['index']} of {p['size']})"
        proof = [bytes.fromhex(x) for x in p['proof']]
        leaf_hash, root = bytes.fromhex(p['leafHash']), bytes.fromhex(p['root'])

        def agrees(p=p, leaf_hash=leaf_hash, root=root):
            if p['size'] > len(leaves):
                raise CheckFailed(f"size {p['size']} beyond the log ({len(leaves)})")
            expect_equal(leaf_hash, merkle_leaf_hash(leaves[p['index']]), 'leafHash = SHA-256(0x00 ‖ leaf input)')
            expect_equal(root, merkle_root(leaves[:p['size']]), 'root of the log at that size')
        report.check(f'{label} leafHash and root agree with the recomputed log', agrees)
        report.check(f'{label} verifies (RFC 9162 §2.1.3.2)',
                     lambda p=p, proof=proof, leaf_hash=leaf_hash, root=root:
                     verify_inclusion(p['index'], p['size'], leaf_hash, proof, root) or 'rejected')
        report.check(f'{label} equals my own PATH(m, D[n]) (§2.1.3.1)',
                     lambda p=p, proof=proof: expect_equal(proof, merkle_path(p['index'], leaves[:p['size']]), 'path'))

        def tamper(p=p, proof=proof, leaf_hash=leaf_hash, root=root):
            if not proof:
                raise CheckFailed('empty proof: nothing to flip')
            for pos in range(len(proof)):
                bad = list(proof)
                bad[pos] = flipped(bad[pos], pos % 32)
                if verify_inclusion(p['index'], p['size'], leaf_hash, bad, root):
                    raise CheckFailed(f'accepted with a bit flipped in proof hash {pos}')
        report.check(f'{label} a bit flipped in any one proof hash is rejected', tamper)

    for n, p in enumerate(proofs.get('consistency', [])):
        label = f"proofs.consistency[{n}] ({p['size1']} → {p['size2']})"
        proof = [bytes.fromhex(x) for x in p['proof']]
        r1, r2 = bytes.fromhex(p['root1']), bytes.fromhex(p['root2'])

        def agrees(p=p, r1=r1, r2=r2):
            if p['size2'] > len(leaves):
                raise CheckFailed(f"size {p['size2']} beyond the log ({len(leaves)})")
            expect_equal(r1, merkle_root(leaves[:p['size1']]), 'root1')
            expect_equal(r2, merkle_root(leaves[:p['size2']]), 'root2')
        report.check(f'{label} root1 and root2 agree with the recomputed log', agrees)
        report.check(f'{label} verifies (RFC 9162 §2.1.4.2)',
                     lambda p=p, proof=proof, r1=r1, r2=r2:
                     verify_consistency(p['size1'], p['size2'], r1, r2, proof) or 'rejected')
        report.check(f'{label} equals my own PROOF(m, D[n]) (§2.1.4.1)',
                     lambda p=p, proof=proof: expect_equal(proof, merkle_consistency(p['size1'], leaves[:p['size2']]),
                                                           'proof'))

        def tamper(p=p, proof=proof, r1=r1, r2=r2):
            if not proof:
                raise CheckFailed('empty proof: nothing to flip')
            for pos in range(len(proof)):
                bad = list(proof)
                bad[pos] = flipped(bad[pos], pos % 32)
                if verify_consistency(p['size1'], p['size2'], r1, r2, bad):
                    raise CheckFailed(f'accepted with a bit flipped in proof hash {pos}')
        report.check(f'{label} a bit flipped in any one proof hash is rejected', tamper)


_MISSING = object()


def apply_mutation(vectors, path, value):
    """A deep copy of vectors with the value at path (keys and list indices) set to value."""
    copy = json.loads(json.dumps(vectors))
    node = copy
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if isinstance(node, list):
        old = node[last]
    else:
        old = node.get(last, _MISSING)
    node[last] = value
    return copy, old


def check_mutations(report, mutations, ctx):
    trusted = ctx.get('chainId')
    keyring = fixture_sig_keys()
    for m in mutations:
        label = f"mutations[{m['name']}]"
        outcome = {}

        def first_failure(m=m, outcome=outcome):
            mutated, old = apply_mutation(ctx, m['path'], m['value'])
            if old is not _MISSING and old == m['value'] and type(old) is type(m['value']):
                raise CheckFailed('the new value equals the old one: nothing was mutated')
            try:
                verify_chain(mutated, trusted, keyring)
            except ChainError as e:
                outcome['error'] = e
                expect_equal(e.height, m['expectedHeight'], f'height of the first failure ({e})')
                return
            raise CheckFailed('the mutated chain verifies')
        report.check(f"{label} applied to a copy, my chain check fails first at height {m['expectedHeight']}",
                     first_failure)

        def code_agrees(m=m, outcome=outcome):
            e = outcome.get('error')
            if e is None:
                raise CheckFailed('no failure to classify')
            if e.code is NO_DOC_CODE:
                # §8.6 lists this check without a code: all one can ask is that the vector's code
                # is not one the doc gives to another check.
                if m['expectedCode'] in LEDGER_DOC_CODES:
                    raise CheckFailed(f"doc gives no code for this failure ({e.detail}); vector's "
                                      f"{m['expectedCode']} is a code the doc assigns elsewhere")
                return
            expect_equal(e.code, m['expectedCode'], f'code (step {e.step}: {e.detail})')

        def code_label(m=m, outcome=outcome):
            e = outcome.get('error')
            if e is not None and e.code is NO_DOC_CODE:
                return (f"{label} doc names no code for this §8.6 step-{e.step} failure; vector's "
                        f"{m['expectedCode']} is not a code the doc gives another check")
            return f"{label} my code agrees with {m['expectedCode']}"
        report.check(code_label(), code_agrees)
        e = outcome.get('error')
        if e is not None:
            report.info(f"{label}: {e}")


# ---------------------------------------------------------------------------
# Contract vector file (test/vectors/contract/contract-vectors.json), §8.2 / §8.4 / §9
# ---------------------------------------------------------------------------

def check_contract_genesisWrites(report, writes, ctx):
    report.check(f'contract.genesisWrites {len(writes)} writes: keys unique and sorted by UTF-8 bytes',
                 lambda: '; '.join(writes_problems(writes)) or None)


def check_contract_blocks(report, blocks, ctx):
    prev_time = ctx.get('genesis', {}).get('time')
    chain = blocks[0]['context']['chain'] if blocks else None
    body_hashes = body_hashes_match = 0
    for i, block in enumerate(blocks):
        label = f'contract.blocks[{i}]'
        c = block['context']

        def context_ok(c=c, i=i, prev_time=prev_time):
            expect_equal(c['height'], i + 1, 'height')
            expect_equal(c['chain'], chain, 'chain (same in every block)')
            if not is_hex(c['chain'], 64):
                raise CheckFailed('chain is not 64 hex digits')
            if isinstance(prev_time, int) and c['time'] < prev_time:
                raise CheckFailed(f"time {c['time']} earlier than {prev_time}")
        report.check(f'{label} context: height {i + 1}, one chain, time not earlier than before', context_ok)
        for j, entry in enumerate(block['entries']):
            tx = entry['tx']
            h = tx['header']
            elabel = f"{label}.entries[{j}] ({h.get('type')} by {h.get('actor')}: {entry['outcome']})"

            def header_ok(h=h, c=c, entry=entry):
                expect_equal(set(h), TX_HEADER_FIELDS, 'header fields')
                expect_equal(h['alg'], SIG_ALG, 'alg')
                problem = tx_header_problem(h)
                if problem:
                    raise CheckFailed(problem)
                expect_equal(h['chain'], c['chain'], 'header chain vs context chain')
                jcs(tx['body'])
                if not OUTCOME.fullmatch(entry['outcome']):
                    raise CheckFailed(f"outcome {entry['outcome']!r}")
                if entry['outcome'] == 'OK' and c['time'] > h['notAfter']:
                    raise CheckFailed(f"applied at block time {c['time']} after notAfter {h['notAfter']}")
            report.check(f'{elabel} header well-formed (§8.2), chain = context chain, outcome a code, '
                         'OK only within notAfter', header_ok)
            if body_hash(tx['body']) == h['bodyHash']:
                body_hashes_match += 1
            body_hashes += 1
        writes = block['writes']
        report.check(f'{label} {len(writes)} writes: keys unique and sorted by UTF-8 bytes',
                     lambda writes=writes: '; '.join(writes_problems(writes)) or None)
        report.check(f'{label} changesHash = SHA-256(JCS(writes)) (null allowed)',
                     lambda writes=writes, block=block: expect_equal(changes_hash(writes).hex(), block['changesHash'],
                                                                     'changesHash'))
        prev_time = c.get('time')
    report.info('contract: tx.hash not checked (the file carries no signatures, and txHash covers them)')
    # The headers are synthetic: identical bodies carry different bodyHash values, so
    # bodyHash = SHA-256(JCS(body)) (§8.2) is not a property of this file. Reported, not counted.
    report.info(f'contract: header.bodyHash = SHA-256(JCS(body)) holds for {body_hashes_match} of {body_hashes} '
                'transactions (synthetic headers; not counted)')


def check_contract_finalState(report, final, ctx):
    def replay():
        state = {}
        for k, v in ctx.get('genesisWrites', []):
            if v is not None:
                state[k] = v
        for block in ctx.get('blocks', []):
            for k, v in block['writes']:
                if v is None:
                    state.pop(k, None)
                else:
                    state[k] = v
        mine = [[k, state[k]] for k in sorted(state, key=utf8_key)]
        expect_equal(jcs(mine), jcs(final), 'state')
    report.check(f'contract.finalState = genesisWrites then every block\'s writes applied (null deletes), '
                 f'{len(final)} keys sorted by UTF-8 bytes', replay)


# ---------------------------------------------------------------------------
# Published RFC 6962 / 9162 proofs (test/vectors/merkle/rfc6962.json): accept or reject
# ---------------------------------------------------------------------------

def _hex_or_none(x):
    return bytes.fromhex(x) if isinstance(x, str) and re.fullmatch(r'(?:[0-9a-f]{2})*', x) else None


def check_merkle_referenceTree(report, tree, ctx):
    leaves = [bytes.fromhex(x) for x in tree['leafInputs']]
    report.check(f'merkle.referenceTree roots of the first 0 … {len(leaves)} leaves (RFC 9162 §2.1.1)',
                 lambda: expect_equal([merkle_root(leaves[:n]).hex() for n in range(len(leaves) + 1)], tree['roots'],
                                      'roots'))


def check_merkle_inclusion(report, cases, ctx):
    def run():
        wrong = []
        for c in cases:
            leaf, root = _hex_or_none(c['leafHash']), _hex_or_none(c['root'])
            proof = [_hex_or_none(p) for p in c['proof']]
            ok = None not in proof and leaf is not None and root is not None and \
                verify_inclusion(c['index'], c['size'], leaf, proof, root)
            if ok != (c['wantCode'] is None):
                wrong.append(c['name'])
        if wrong:
            raise CheckFailed(f'{len(wrong)} wrong: {", ".join(wrong[:5])}')
    happy = sum(1 for c in cases if c['wantCode'] is None)
    report.check(f'merkle.inclusion my §2.1.3.2 verifier accepts the {happy} good and rejects the '
                 f'{len(cases) - happy} bad published cases', run)


def check_merkle_consistency(report, cases, ctx):
    def run():
        wrong = []
        for c in cases:
            r1, r2 = _hex_or_none(c['root1']), _hex_or_none(c['root2'])
            proof = [_hex_or_none(p) for p in c['proof']]
            ok = None not in proof and r1 is not None and r2 is not None and \
                verify_consistency(c['size1'], c['size2'], r1, r2, proof)
            if ok != (c['wantCode'] is None):
                wrong.append(c['name'])
        if wrong:
            raise CheckFailed(f'{len(wrong)} wrong: {", ".join(wrong[:5])}')
    happy = sum(1 for c in cases if c['wantCode'] is None)
    report.check(f'merkle.consistency my §2.1.4.2 verifier accepts the {happy} good and rejects the '
                 f'{len(cases) - happy} bad published cases', run)


def check_selftest_jcs(report):
    """Known answers for the canonicaliser (RFC 8785 §3.2.3 sort example; ECMAScript escaping)."""
    label = 'self[jcs]'

    def rfc8785_sort():
        value = {'\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh',
                 '1': 'One', '\U0001f600': 'Emoji: Grinning Face', '\u0080': 'Control',
                 '\u00f6': 'Latin Small Letter O With Diaeresis'}
        order = [json.loads('"' + k + '"') for k in re.findall(r'"((?:[^"\\]|\\.)*)":', jcs(value).decode('utf-8'))]
        expect_equal(order, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\U0001f600', '\ufb33'], 'key order')
    report.check(f'{label} keys sorted by UTF-16 code units (RFC 8785 §3.2.3)', rfc8785_sort)

    def escaping():
        s = '\u0000\u001f"\\\b\f\n\r\t\u007f\u2028\u00e9\U0001f600/'
        expect_equal(jcs(s), b'"\\u0000\\u001f\\"\\\\\\b\\f\\n\\r\\t' + '\u007f\u2028\u00e9\U0001f600/'.encode('utf-8') + b'"',
                     'escaped string')
        for lone in ('"\\udead"', '{"\\ud800":1}', '["a\\udc00"]'):
            try:
                jcs(json.loads(lone))
            except ValueError:
                continue
            raise CheckFailed(f'a lone surrogate was encoded: {lone}')
        nested = 1
        for _ in range(33):
            nested = [nested]
        try:
            jcs(nested)
            raise CheckFailed('33 levels of nesting were encoded')
        except ValueError:
            pass
        expect_equal(jcs({'b': [True, False, 0, 9007199254740991], 'a': {}}),
                     b'{"a":{},"b":[true,false,0,9007199254740991]}', 'nested value')
    report.check(f'{label} strings escaped as JSON.stringify does; non-ASCII raw UTF-8; lone surrogates and '
                 'nesting beyond 32 refused', escaping)

    def rejects():
        for bad in (b'{"a":1 }', b'{"b":1,"a":2}', b'{"a":1.0}', b'{"a":-1}', b'{"a":1,"a":1}', b'"\\u0041"',
                    b'{"a":null}', b'9007199254740992', b'"\\u00e9"', b'"\xff"', b'NaN'):
            try:
                parse_canonical(bad)
            except (ValueError, RecursionError):
                continue
            raise CheckFailed(f'accepted {bad!r}')
        expect_equal(parse_canonical(b'[["k",null]]', allow_null=True), [['k', None]], 'null where allowed')
    report.check(f'{label} non-canonical or out-of-range JSON is refused', rejects)


# ---------------------------------------------------------------------------
# §8.8 signed heads
# ---------------------------------------------------------------------------

def signed_head_problem(head, chain, nodes):
    """§8.8: why a signed head is not a head of this chain attested by a genesis node, or None."""
    if not isinstance(head, dict) or set(head) != {'header', 'attestation'}:
        return 'not exactly {header, attestation}'
    header = head['header']
    if not isinstance(header, dict) or set(header) != BLOCK_HEADER_FIELDS:
        return 'header does not have exactly the block header fields'
    if header['chain'] != chain:
        return 'header names another chain'
    return attestation_problem(head['attestation'], header, block_hash(header), nodes)


def extension_problem(head, current, proof):
    """§8.8: the code for a ledger at `current` that does not extend `head`, or None."""
    h, c = head['header'], current['header']
    if c['height'] < h['height'] or c['treeSize'] < h['treeSize']:
        return 'HEAD_BEHIND'
    if not verify_consistency(h['treeSize'], c['treeSize'], bytes.fromhex(h['treeRoot']), bytes.fromhex(c['treeRoot']), proof):
        return 'HEAD_MISMATCH'
    return None


def check_signedHeads(report, section, ctx):
    chain = ctx.get('chainId')
    nodes = genesis_nodes(ctx['genesis'])
    heads = section['heads']
    blocks = ctx.get('blocks', [])
    for n, head in enumerate(heads):
        label = f'signedHeads.heads[{n}]'
        report.check(f'{label} is the header of blocks[{n}]',
                     lambda n=n, head=head: expect_equal(head['header'], blocks[n]['header'], 'header'))
        report.check(f'{label} attestation is by a genesis node, of exactly this header (chain, height, block hash, '
                     'state digest), PS256 verifies',
                     lambda head=head: signed_head_problem(head, chain, nodes))
    for x in section['extensions']:
        label = f"signedHeads.extensions[{x['name']}]"
        proof = [bytes.fromhex(h) for h in x['proof']]
        report.check(f"{label} gives {x['expectedCode'] or 'no error'}",
                     lambda x=x, proof=proof: expect_equal(extension_problem(heads[x['head']], heads[x['current']], proof),
                                                           x['expectedCode'], 'outcome'))
    for m in section['mutations']:
        label = f"signedHeads.mutations[{m['name']}]"

        def refused(m=m):
            mutated, old = apply_mutation(heads[m['head']], m['path'], m['value'])
            if old is not _MISSING and old == m['value']:
                raise CheckFailed('the new value equals the old one: nothing was mutated')
            why = signed_head_problem(mutated, chain, nodes)
            if why is None:
                raise CheckFailed('the mutated head verifies')
            expect_equal('HEAD_INVALID', m['expectedCode'], f'code ({why})')
        report.check(f'{label} applied to a copy, my check refuses it as HEAD_INVALID', refused)


# ---------------------------------------------------------------------------
# §11 login challenge (test/vectors/login/login-vectors.json)
# ---------------------------------------------------------------------------

LOGIN_TAG = 'dhl/login/v1'
LOGIN_FIELDS = {'chain', 'username', 'origin', 'nonce', 'notAfter'}
LOGIN_ORIGIN = re.compile(r'^https?://(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$')


def login_challenge_problems(c):
    """The §11 rules for a challenge, as a list of what is wrong (empty when well-formed)."""
    if not isinstance(c, dict):
        return ['not an object']
    problems = []
    if set(c) != LOGIN_FIELDS:
        problems.append(f'fields {sorted(c)} are not {sorted(LOGIN_FIELDS)}')
    if not is_hex(c.get('chain'), 64):
        problems.append('chain is not 64 hex digits')
    if not isinstance(c.get('username'), str) or not re.fullmatch(r'[a-z0-9._-]{3,32}', c['username']):
        problems.append('username is not a username')
    if not isinstance(c.get('origin'), str) or not LOGIN_ORIGIN.fullmatch(c['origin']):
        problems.append('origin is not scheme://host[:port]')
    if not is_hex(c.get('nonce'), 32):
        problems.append('nonce is not 32 hex digits')
    n = c.get('notAfter')
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        problems.append('notAfter is not a non-negative integer')
    return problems


def check_login_challenges(report, challenges, ctx):
    signer = load_public_pem(repo_path(ctx['signer']['spkiPemFile']))
    report.check('login signer key id = SHA-256(SPKI)', lambda: expect_equal(key_id(signer), ctx['signer']['keyId'], 'keyId'))
    for v in challenges:
        label = f"login.challenges[{v['name']}]"
        c = v['challenge']
        report.check(f'{label} is a well-formed challenge (§11)', lambda c=c: expect_equal(login_challenge_problems(c), [], 'problems'))
        signed = tagged(LOGIN_TAG, c)
        report.check(f'{label} signed bytes = "dhl/login/v1\\n" ‖ JCS(challenge)',
                     lambda v=v, signed=signed: expect_equal(signed.hex(), v['signedBytesHex'], 'signed bytes'))

        def verifies(v=v, signed=signed):
            if not ps256_verify(signer, b64url_decode(v['sig']), signed):
                raise CheckFailed('PS256 signature does not verify over the signed bytes')
        report.check(f'{label} PS256 signature by the user\'s sig key verifies', verifies)

        def not_a_tx(v=v):
            as_tx = tagged('dhl/tx/v1', c)
            if ps256_verify(signer, b64url_decode(v['sig']), as_tx):
                raise CheckFailed('the login signature also verifies as a transaction signature')
        report.check(f'{label} the same signature is no transaction signature (domain tags differ)', not_a_tx)


def check_login_negatives(report, negatives, ctx):
    signer = load_public_pem(repo_path(ctx['signer']['spkiPemFile']))
    for v in negatives:
        def refused(v=v):
            if ps256_verify(signer, b64url_decode(v['sig']), tagged(LOGIN_TAG, v['challenge'])):
                raise CheckFailed('the signature verifies over the changed challenge')
        report.check(f"login.negatives[{v['name']}] the signature does not verify ({v['expected']})", refused)


LOGIN_CHECKS = {
    'challenges': check_login_challenges,
    'negatives': check_login_negatives,
}


# One registry per kind of vector file, keyed by the file's sections. Order matters
# only for readability of the output; each checker gets the whole vector file as
# ctx so it can cross-reference other sections.
CHECKS = {
    'keys': check_keys,
    'envelopes': check_envelopes,
    'envelopeNegatives': check_envelopeNegatives,
    'wraps': check_wraps,
    'wrapNegatives': check_wrapNegatives,
    'manifests': check_manifests,
}

LEDGER_CHECKS = {
    'genesis': check_genesis,        # also genesisBytesHex, chainId, stateDigest0
    'txExamples': check_txExamples,
    'blocks': check_blocks,
    'proofs': check_proofs,
    'mutations': check_mutations,
    'signedHeads': check_signedHeads,
}

CONTRACT_CHECKS = {
    'genesisWrites': check_contract_genesisWrites,
    'blocks': check_contract_blocks,
    'finalState': check_contract_finalState,
}

MERKLE_CHECKS = {
    'referenceTree': check_merkle_referenceTree,
    'inclusion': check_merkle_inclusion,
    'consistency': check_merkle_consistency,
}

# kind → (sections that identify it, its checkers, sections read by a checker or metadata)
KINDS = {
    'ledger': ({'genesis', 'chainId', 'blocks'}, LEDGER_CHECKS,
               {'comment', 'genesisBytesHex', 'chainId', 'stateDigest0'}),
    # contract genesis: placeholder SPKIs whose key ids are not SHA-256(SPKI); nothing of §8.1 to check.
    'contract': ({'genesisWrites', 'blocks'}, CONTRACT_CHECKS, {'comment', 'genesis'}),
    'merkle': ({'referenceTree', 'inclusion', 'consistency'}, MERKLE_CHECKS,
               {'description', 'source', 'generator', 'hashing', 'encoding', 'checkOrder'}),
    'login': ({'signer', 'challenges'}, LOGIN_CHECKS, {'comment', 'signer'}),
    'crypto': (set(), CHECKS, {'comment', 'chain'}),
}

# (path relative to test/vectors/, required): a missing optional file is noted, not failed.
DEFAULT_FILES = [
    ('crypto/crypto-vectors.json', True),
    ('ledger/ledger-vectors.json', True),
    ('contract/contract-vectors.json', False),
    ('merkle/rfc6962.json', False),
    ('login/login-vectors.json', True),
]
VECTORS_DIR = os.path.join(REPO_ROOT, 'test', 'vectors')


def detect_kind(vectors):
    for kind, (marks, _, _) in KINDS.items():
        if marks and marks <= set(vectors):
            return kind
    return 'crypto'


def run_file(report, vectors_path):
    with open(vectors_path, 'rb') as f:
        vectors = json.load(f)
    kind = detect_kind(vectors)
    _, checks, metadata = KINDS[kind]
    report.info(f'vectors ({kind}): {vectors_path}')
    before = report.passed + report.failed
    for section, checker in checks.items():
        if section in vectors:
            try:
                checker(report, vectors[section], vectors)
            except Exception as e:  # a checker that crashes is a failure, never a silent pass
                report.fail(f'{section}', f'checker crashed: {type(e).__name__}: {e}')
    for section in vectors:
        if section not in checks and section not in metadata:
            report.info(f'section {section!r} has no checker yet (not counted)')
    if report.passed + report.failed == before:
        report.fail(f'vector file {vectors_path}', 'no section with a checker: nothing was checked')


def run(paths):
    report = Report()
    check_selftest_jcs(report)
    for path, required in paths:
        if not os.path.exists(path):
            if required:
                report.fail(f'vector file {path}', 'missing')
            else:
                report.info(f'vectors: {path} absent (optional, skipped)')
            continue
        try:
            run_file(report, path)
        except (OSError, ValueError) as e:
            report.fail(f'vector file {path}', f'{type(e).__name__}: {e}')
    print(f'{report.passed} passed, {report.failed} failed')
    return 0 if report.failed == 0 else 1


def main(argv):
    if len(argv) > 1:
        paths = [(p, True) for p in argv[1:]]
    else:
        paths = [(os.path.join(VECTORS_DIR, rel), required) for rel, required in DEFAULT_FILES]
    return run(paths)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
