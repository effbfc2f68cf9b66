//! A real etcd for the etcd suite: Debian's `etcd` (3.4) with the v2 API
//! enabled, a temporary data dir, client and peer URLs on free loopback
//! ports (never 2379), health awaited with a deadline, and seeding helpers
//! that write flannel's data the way flanneld does (v3: lease grant + put
//! with the lease; v2: HTTP PUT with ttl). Follows kubernetes
//! `hack/lib/etcd.sh`.
//!
//! etcd runs under a small shell watchdog that stops it when the test
//! process is gone, because the shared server lives in a static, and
//! statics are never dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use etcd_client::{Certificate, Client, ConnectOptions, Identity, PutOptions, TlsOptions};

pub const ETCD: &str = "/usr/bin/etcd";

/// Certificates made by the test for a TLS server (PEM files).
pub struct Certs {
    pub ca: PathBuf,
    /// The client's certificate and key (what k8snet presents).
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The server's certificate and key (what etcd serves).
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

pub struct EtcdServer {
    watchdog: Child,
    dir: tempfile::TempDir,
    pub url: String,
    pub certs: Option<Certs>,
}

/// The shared plain-http server, started on first use; `Err` says why
/// there is none (etcd not installed, did not start).
pub fn shared() -> Result<&'static EtcdServer, String> {
    static SERVER: OnceLock<Result<EtcdServer, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| EtcdServer::start(false))
        .as_ref()
        .map_err(Clone::clone)
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

const WATCHDOG: &str = r#"dir=$1; parent=$2; shift 2
"$@" >"$dir/etcd.log" 2>&1 &
etcd=$!
echo $etcd >"$dir/etcd.pid"
while kill -0 "$parent" 2>/dev/null && kill -0 $etcd 2>/dev/null; do sleep 0.5; done
kill $etcd 2>/dev/null; wait $etcd
rm -rf "$dir/data""#;

impl EtcdServer {
    /// Start a server; with `tls`, on https with client-certificate auth.
    pub fn start(tls: bool) -> Result<EtcdServer, String> {
        if !Path::new(ETCD).exists() {
            return Err(format!(
                "{ETCD} is not installed (Debian package etcd-server)"
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let certs = if tls {
            Some(make_certs(dir.path())?)
        } else {
            None
        };
        let scheme = if tls { "https" } else { "http" };
        let url = format!("{scheme}://127.0.0.1:{}", free_port());
        let peer = format!("http://127.0.0.1:{}", free_port());
        let mut args: Vec<String> = vec![
            ETCD.into(),
            "--enable-v2=true".into(),
            format!("--data-dir={}", dir.path().join("data").display()),
            format!("--listen-client-urls={url}"),
            format!("--advertise-client-urls={url}"),
            format!("--listen-peer-urls={peer}"),
            format!("--initial-advertise-peer-urls={peer}"),
            format!("--initial-cluster=default={peer}"),
        ];
        if let Some(c) = &certs {
            args.push(format!("--trusted-ca-file={}", c.ca.display()));
            args.push(format!("--cert-file={}", c.server_cert.display()));
            args.push(format!("--key-file={}", c.server_key.display()));
            args.push("--client-cert-auth=true".into());
        }
        let watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, "watchdog"])
            .arg(dir.path())
            .arg(std::process::id().to_string())
            .args(&args)
            .stdin(Stdio::null())
            // The shell's own "Terminated" notice when etcd is stopped.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start etcd: {e}"))?;
        let server = EtcdServer {
            watchdog,
            dir,
            url,
            certs,
        };
        server.wait_ready(Duration::from_secs(30))?;
        Ok(server)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    /// etcd logs this once it serves clients (etcd 3.4 `embed/serve.go`).
    fn wait_ready(&self, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.log().contains("ready to serve client requests") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "etcd did not become ready in {limit:?}:\n{}",
            self.log()
        ))
    }

    /// A unique prefix for one test, so tests share the server safely.
    pub fn prefix(test: &str) -> String {
        format!("/k8snet-test/{test}/coreos.com/network")
    }

    /// Flags that point k8snet at this server.
    pub fn flags(&self, prefix: &str) -> Vec<String> {
        let mut flags = vec![
            "--endpoints".into(),
            self.url.clone(),
            "--prefix".into(),
            prefix.into(),
        ];
        if let Some(c) = &self.certs {
            for (flag, path) in [("--cacert", &c.ca), ("--cert", &c.cert), ("--key", &c.key)] {
                flags.push(flag.into());
                flags.push(path.display().to_string());
            }
        }
        flags
    }

    fn block_on<T>(&self, work: impl AsyncFnOnce(Client) -> T) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut options = ConnectOptions::new().with_timeout(Duration::from_secs(10));
            if let Some(c) = &self.certs {
                let pem = |p: &Path| std::fs::read_to_string(p).expect("pem");
                options = options.with_tls(
                    TlsOptions::new()
                        .ca_certificate(Certificate::from_pem(pem(&c.ca)))
                        .identity(Identity::from_pem(pem(&c.cert), pem(&c.key))),
                );
            }
            let client = Client::connect([self.url.as_str()], Some(options))
                .await
                .expect("connect to test etcd");
            work(client).await
        })
    }

    /// v3 put; with a TTL the key gets its own etcd lease, as flanneld's
    /// `Grant` + `Put(WithLease)` (FORMATS.md A.2).
    pub fn put_v3(&self, key: &str, value: &str, ttl: Option<i64>) {
        self.block_on(async |mut client: Client| {
            let options = match ttl {
                Some(ttl) => {
                    let lease = client.lease_grant(ttl, None).await.expect("lease grant");
                    Some(PutOptions::new().with_lease(lease.id()))
                }
                None => None,
            };
            client.put(key, value, options).await.expect("put");
        });
    }

    /// v2 `PUT /v2/keys/<key>` with `value` and optional `ttl`, as flannel
    /// before 0.18 wrote leases (`SetOptions{TTL}`), sent with the curl
    /// binary (with the client certificate on a TLS server).
    pub fn put_v2(&self, key: &str, value: &str, ttl: Option<i64>) {
        let mut curl = Command::new("curl");
        curl.args(["-sS", "--fail-with-body", "-X", "PUT"])
            .arg(format!("{}/v2/keys{key}", self.url))
            .args(["--data-urlencode", &format!("value={value}")]);
        if let Some(ttl) = ttl {
            curl.args(["--data-urlencode", &format!("ttl={ttl}")]);
        }
        if let Some(c) = &self.certs {
            curl.arg("--cacert")
                .arg(&c.ca)
                .arg("--cert")
                .arg(&c.cert)
                .arg("--key")
                .arg(&c.key);
        }
        curl_ok(&mut curl, &format!("v2 put {key}"));
    }

    /// Turn on the v2 API's own authentication (etcd 2's `/v2/auth`): user
    /// `root` with `password`, and the `guest` role every anonymous request
    /// gets stripped of its default read and write access.
    pub fn enable_v2_auth(&self, password: &str) {
        let root = format!("root:{password}");
        let steps = [
            (
                "users/root",
                json_text(&[("user", "root"), ("password", password)]),
                None,
            ),
            ("enable", String::new(), None),
            (
                "roles/guest",
                r#"{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}"#.into(),
                Some(root.as_str()),
            ),
        ];
        for (path, body, user) in steps {
            let mut curl = Command::new("curl");
            curl.args(["-sS", "--fail-with-body", "-X", "PUT"])
                .arg(format!("{}/v2/auth/{path}", self.url))
                .args(["-H", "Content-Type: application/json", "--data", &body]);
            if let Some(user) = user {
                curl.args(["--user", user]);
            }
            curl_ok(&mut curl, &format!("v2 auth {path}"));
        }
    }

    /// Create user `root` with `password` and turn authentication on
    /// (etcd needs a root user with the root role first). Seed data before.
    pub fn enable_auth(&self, password: &str) {
        self.block_on(async |mut client: Client| {
            client
                .user_add("root", password, None)
                .await
                .expect("user add");
            client
                .user_grant_role("root", "root")
                .await
                .expect("grant root");
            client.auth_enable().await.expect("auth enable");
        });
    }

    /// The process id of etcd itself.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.path().join("etcd.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.watchdog.wait();
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate,
/// made with the openssl CLI (P-256 keys: quick to generate).
fn make_certs(dir: &Path) -> Result<Certs, String> {
    let script = r#"set -e
cd "$1"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=k8snet-test-ca
for who in server client; do
  key $who.key
  openssl req -new -key $who.key -out $who.csr -subj /CN=k8snet-test-$who
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > $who.ext
  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2 -extfile $who.ext 2>/dev/null
done"#;
    let out = Command::new("sh")
        .args(["-c", script, "certs"])
        .arg(dir)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "making test certificates failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("client.pem"),
        key: dir.join("client.key"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
    })
}

fn json_text(fields: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Run a curl request against the test etcd; its output is the failure
/// message when etcd refuses it.
fn curl_ok(curl: &mut Command, what: &str) {
    let out = curl.output().expect("curl runs");
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
