"""``verify="system"``: the operating system's trust store, never certifi's bundle.

- macOS and Windows: the OS verifies each certificate chain (Keychain, the Windows
  certificate store; what MDM or group policy installed is trusted), through the
  ``truststore`` package (``restwell[truststore]``). ``TLSSocket`` and ``TLSConnection``
  call the ``SSLObject``'s own ``do_handshake``, which is where truststore verifies.
- Elsewhere (Linux, the BSDs): the system store is OpenSSL's, which truststore also uses
  there. It is loaded here once per context: truststore would reload it for every
  connection (``set_default_verify_paths`` in each ``wrap_bio``: 27 ms a connection,
  measured on Linux with the Debian bundle). Where it is found, in order:
  ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when the client trusts the environment (as OpenSSL
  itself reads them), OpenSSL's compiled-in paths, then the distributions' bundles that
  truststore knows (a Python built with its own OpenSSL may point elsewhere). None: a
  ``TLSError``, never a silent fallback to certifi.
"""

from __future__ import annotations

import os
import sys
import typing

from .._models._exceptions import TLSError

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

__all__ = ["OS_VERIFIER", "load_system_store", "os_verifier_context"]


OS_VERIFIER = sys.platform in ("darwin", "win32")
CA_FILES = ("/etc/ssl/cert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/pki/tls/cert.pem", "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/ca-bundle.pem")


def os_verifier_context() -> ssl.SSLContext:
    """A truststore context: the OS verifies at each handshake."""
    try:
        import truststore
    except ImportError:
        raise TLSError('verify="system" needs the truststore package on this platform: '
                       "pip install 'restwell[truststore]'") from None
    import ssl

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def load_system_store(context: ssl.SSLContext, env: tuple[str | None, ...]) -> None:
    """OpenSSL's system store into ``context`` (``env``: SSL_CERT_FILE and SSL_CERT_DIR
    when the environment is trusted, else empty)."""
    import ssl

    cafile, capath = env if env else (None, None)
    if not (cafile or capath):
        paths = ssl.get_default_verify_paths()
        cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
        capath = paths.openssl_capath if _has_certs(paths.openssl_capath) else None
    if not (cafile or capath):
        cafile = next((path for path in CA_FILES if os.path.isfile(path)), None)
    if not (cafile or capath):
        raise TLSError('verify="system": this system has no CA store (none in OpenSSL\'s '
                       "paths, nor " + ", ".join(CA_FILES) + "); install ca-certificates, "
                       "or pass verify=True (certifi) or verify='/path/to/ca.pem'")
    context.load_verify_locations(cafile=cafile or None, capath=capath or None)


def _has_certs(capath: str) -> bool:
    try:
        return any(name.endswith(".0") for name in os.listdir(capath))
    except OSError:
        return False
