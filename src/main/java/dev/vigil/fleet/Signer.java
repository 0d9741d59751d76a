package dev.vigil.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The fleet's Ed25519 keys (the JDK's own implementation): signs merged profiles, and
 * agents verify them with the public key alone. Key files hold one line of base64: the
 * private key as PKCS#8 (mode 600), the public key as X.509 SubjectPublicKeyInfo.
 * Immutable; thread-safe.
 */
public final class Signer {
    public static final String PRIVATE = "fleet.key", PUBLIC = "fleet.pub";
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private Signer(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A new key pair, written into dir as fleet.key (600) and fleet.pub; refuses to overwrite. */
    public static Signer generate(Path dir) throws IOException { return generate(dir, "fleet"); }

    /** A new key pair, written into dir as NAME.key (600) and NAME.pub (an operator's: operator); refuses to overwrite. */
    public static Signer generate(Path dir, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9_.-]+")) throw new IOException("key name '" + name + "': letters, digits, '.', '_' and '-' only");
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(dir);
            Path priv = dir.resolve(name + ".key");
            if (Files.exists(priv)) throw new IOException(priv + " exists already: a key is never overwritten");
            write(priv, kp.getPrivate().getEncoded(), true);
            write(dir.resolve(name + ".pub"), kp.getPublic().getEncoded(), false);
            return new Signer(kp.getPrivate(), kp.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    private static void write(Path f, byte[] der, boolean secret) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        // a private key is created 0600 in one step: never readable by others, not even between a write and a chmod
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap((Base64.getEncoder().encodeToString(der) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The signing side, from a private key file (its public key is derived beside it: FILE with .pub for .key). */
    public static Signer load(Path privateFile) throws IOException {
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(read(privateFile)));
            Path pub = privateFile.resolveSibling(privateFile.getFileName().toString().replaceAll("\\.key$", "") + ".pub");
            return new Signer(priv, verifierKey(pub));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(privateFile + ": not an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    /** The verifying side alone, from a public key file. */
    public static Signer verifier(Path publicFile) throws IOException {
        return new Signer(null, verifierKey(publicFile));
    }

    private static PublicKey verifierKey(Path publicFile) throws IOException {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(read(publicFile)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(publicFile + ": not an Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    private static byte[] read(Path f) throws IOException {
        try {
            return Base64.getDecoder().decode(Files.readString(f).strip());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(f + ": no such file (make the fleet's keys with vigil fleet keygen --out DIR)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(f + ": permission denied");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(f + ": not a key file (not text)");
        }
    }

    /** The public key's fingerprint: the first 16 hex digits of the SHA-256 of its encoding (names who signed). */
    public String fingerprint() {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] sign(byte[] data) {
        if (privateKey == null) throw new IllegalStateException("a verifier cannot sign");
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean verify(byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKey);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
