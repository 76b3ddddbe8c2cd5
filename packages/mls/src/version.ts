// The library's version and the protocol level it speaks. LIBRARY_VERSION is kept equal to
// package.json's version by a repo check (tooling/repo-checks), so a release bumps both.

/** @x/mls's version (package.json). */
export const LIBRARY_VERSION = "0.0.0";

export interface VersionInfo {
  /** This library's version. */
  library: string;
  /** The libxmtp release whose wire behaviour this one matches (and is tested against). */
  libxmtp: string;
  /** The MLS protocol version (RFC 9420). */
  mls: "mls10";
  /** The MLS ciphersuite XMTP uses. */
  ciphersuite: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";
}

export const VERSION_INFO: VersionInfo = Object.freeze({
  library: LIBRARY_VERSION,
  libxmtp: "1.9.1",
  mls: "mls10",
  ciphersuite: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
});
