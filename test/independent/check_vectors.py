#!/usr/bin/env python3
"""Independent second implementation of the DHL formats, checked against the vectors.

Written from docs/formats.md alone (no look at src/): RFC 8785 canonical JSON,
RFC 9162 Merkle tree hash, the A256GCM-STREAM envelope (§4), the RSA-OAEP-256
wrapped key (§5), the PS256-signed manifest (§6) and key ids (§2).

Usage: check_vectors.py [VECTORS_JSON]
  default: test/vectors/crypto/crypto-vectors.json, relative to this script.
Prints one line per check ("ok   ..." or "FAIL ...: reason"), then a final line
"N passed, M failed". Exit status 0 only if every check passed (and at least
one check ran), else 1.

To grow it (ledger vectors: transactions, Merkle leaves, blocks ...), write a
function check_<section>(report, entries, ctx) and add it to CHECKS under the
vector file's section name. Sections absent from a vector file are skipped;
sections present without a checker are listed but not counted.
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
        super().__init__(f'{code} ({detail})' if detail else code)
        self.code = code


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
            # A Python str holds a surrogate only when it is unpaired: JSON.stringify escapes those.
            out.append('\\u%04x' % code)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def _utf16_key(s):
    return s.encode('utf-16-be', 'surrogatepass')


def _jcs_text(value, allow_null):
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
        return '[' + ','.join(_jcs_text(v, allow_null) for v in value) + ']'
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ValueError('object keys must be strings')
        keys = sorted(value, key=_utf16_key)
        return '{' + ','.join(jcs_string(k) + ':' + _jcs_text(value[k], allow_null) for k in keys) + '}'
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
USERNAME = re.compile(r'[a-z0-9._-]{3,32}')
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
        expect_equal(jcs(json.loads('"\\udead"')), b'"\\udead"', 'lone surrogate')
        expect_equal(jcs({'b': [True, False, 0, 9007199254740991], 'a': {}}),
                     b'{"a":{},"b":[true,false,0,9007199254740991]}', 'nested value')
    report.check(f'{label} strings escaped as JSON.stringify does; non-ASCII raw UTF-8', escaping)

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


# Order matters only for readability of the output; each checker gets the whole
# vector file as ctx so it can cross-reference other sections.
CHECKS = {
    'keys': check_keys,
    'envelopes': check_envelopes,
    'envelopeNegatives': check_envelopeNegatives,
    'wraps': check_wraps,
    'wrapNegatives': check_wrapNegatives,
    'manifests': check_manifests,
}

METADATA_SECTIONS = {'comment', 'chain'}


def run(vectors_path):
    report = Report()
    with open(vectors_path, 'rb') as f:
        vectors = json.load(f)
    report.info(f'vectors: {vectors_path}')
    check_selftest_jcs(report)
    self_checks = report.passed + report.failed
    for section, checker in CHECKS.items():
        if section in vectors:
            checker(report, vectors[section], vectors)
    for section in vectors:
        if section not in CHECKS and section not in METADATA_SECTIONS:
            report.info(f'section {section!r} has no checker yet (not counted)')
    if report.passed + report.failed == self_checks:
        report.fail('vector file', 'no section with a checker: nothing was checked')
    print(f'{report.passed} passed, {report.failed} failed')
    return 0 if report.failed == 0 else 1


def main(argv):
    path = argv[1] if len(argv) > 1 else DEFAULT_VECTORS
    return run(path)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
