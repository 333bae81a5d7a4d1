//! One TLS crypto provider for the whole process (ring: small and quick to build), and the
//! trust store of the API client.

use std::sync::{Once, OnceLock};

pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider was installed first, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// True when this system has no CA certificates where rustls looks for them (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`, the distributions' bundle files and directories): a `FROM scratch` container
/// holding only the static binary, a minimal host.
pub fn no_system_roots() -> bool {
    static NONE: OnceLock<bool> = OnceLock::new();
    *NONE.get_or_init(|| {
        if openssl_probe::has_ssl_cert_env_vars() {
            return false;
        }
        let found = openssl_probe::probe();
        found.cert_file.is_none() && found.cert_dir.is_empty()
    })
}

/// The API client's trust store: the system's CA certificates plus `--cacert`. Where the system
/// has none, the platform verifier refuses to start at all, even for http://; there the client
/// trusts `--cacert` alone, so http:// and https:// with `--cacert` work from an empty
/// container, and any other https:// fails its handshake as untrusted (never the other way).
pub fn trust_store(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    if no_system_roots() {
        builder.tls_certs_only([])
    } else {
        builder
    }
}
