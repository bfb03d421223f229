/**
 * Certificates and keys of the local Kubernetes control plane, made with the openssl CLI under
 * `.testenv/pki`: a CA, serving certificates, client certificates (the organisation becomes
 * the Kubernetes group) and the service-account signing key pair. Existing files are kept.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "../../core/exec.ts";

/** A key pair with its certificate. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** Options for a leaf certificate. */
export interface LeafOptions {
  /** Common name (the Kubernetes user name of a client certificate). */
  cn: string;
  /** Organisation (the Kubernetes group of a client certificate). Default none. */
  org?: string;
  /** Subject alternative names of a serving certificate: `IP:127.0.0.1`, `DNS:localhost`. */
  sans?: readonly string[];
  /** `serverAuth` or `clientAuth`. */
  usage: "serverAuth" | "clientAuth";
}

/** Creates and reuses the files of one PKI directory. */
export interface Pki {
  dir: string;
  /** The CA, created when missing. */
  ca(signal?: AbortSignal): Promise<CertFiles>;
  /** The leaf certificate `name` signed by the CA, created when missing. */
  leaf(name: string, options: LeafOptions, signal?: AbortSignal): Promise<CertFiles>;
  /** The service-account signing key (`key`) and its public key (`pub`), created when missing. */
  serviceAccountKeys(signal?: AbortSignal): Promise<{ key: string; pub: string }>;
}

const days = "3650";

async function newKey(file: string, signal?: AbortSignal): Promise<void> {
  await run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file], { signal });
}

/** Creates the PKI that lives in `dir`. */
export function createPki(dir: string): Pki {
  const file = (name: string): string => path.join(dir, name);
  const pki: Pki = {
    dir,
    async ca(signal) {
      const out = { cert: file("ca.crt"), key: file("ca.key") };
      if (existsSync(out.cert) && existsSync(out.key)) return out;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await newKey(out.key, signal);
      const cnf = file("ca.cnf");
      writeFileSync(
        cnf,
        [
          "[req]",
          "distinguished_name = dn",
          "[dn]",
          "[v3_ca]",
          "basicConstraints = critical,CA:TRUE",
          "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
          "subjectKeyIdentifier = hash",
          "",
        ].join("\n"),
      );
      await run(
        "openssl",
        ["req", "-x509", "-new", "-key", out.key, "-subj", "/CN=slipway-testenv-ca", "-days", days, "-sha256", "-config", cnf, "-extensions", "v3_ca", "-out", out.cert],
        { signal },
      );
      return out;
    },
    async leaf(name, options, signal) {
      const out = { cert: file(`${name}.crt`), key: file(`${name}.key`) };
      if (existsSync(out.cert) && existsSync(out.key)) return out;
      const ca = await pki.ca(signal);
      await newKey(out.key, signal);
      const csr = file(`${name}.csr`);
      const ext = file(`${name}.ext`);
      const subject = `${options.org ? `/O=${options.org}` : ""}/CN=${options.cn}`;
      await run("openssl", ["req", "-new", "-key", out.key, "-subj", subject, "-out", csr], { signal });
      const lines = ["basicConstraints = CA:FALSE", "keyUsage = critical,digitalSignature,keyEncipherment", `extendedKeyUsage = ${options.usage}`];
      if (options.sans && options.sans.length > 0) lines.push(`subjectAltName = ${options.sans.join(",")}`);
      writeFileSync(ext, lines.join("\n") + "\n");
      await run(
        "openssl",
        ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", days, "-sha256", "-extfile", ext, "-out", out.cert],
        { signal },
      );
      return out;
    },
    async serviceAccountKeys(signal) {
      const out = { key: file("sa.key"), pub: file("sa.pub") };
      if (existsSync(out.key) && existsSync(out.pub)) return out;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", out.key], { signal });
      await run("openssl", ["pkey", "-in", out.key, "-pubout", "-out", out.pub], { signal });
      return out;
    },
  };
  return pki;
}
