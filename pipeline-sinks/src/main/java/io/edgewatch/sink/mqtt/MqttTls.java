package io.edgewatch.sink.mqtt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS material of {@code mqtt.tls}, read from PEM files: {@code ca} (the certificates the
 * broker's must chain to), {@code cert} (the client's certificate, and its chain) and {@code key}
 * (its private key, PKCS#8: {@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519). Each reader throws
 * {@link IllegalArgumentException} saying what is wrong with which file, so the configuration
 * names it at load.
 */
public final class MqttTls {

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private MqttTls() {
    }

    /** Trust in the certificates of {@code ca}. */
    public static TrustManagerFactory trust(Path ca) {
        List<Certificate> certs = certificates(ca);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                store.setCertificateEntry("ca-" + i, certs.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(ca + ": " + e.getMessage(), e);
        }
    }

    /** The client's certificate (chain) of {@code cert} with the key of {@code key}. */
    public static KeyManagerFactory identity(Path cert, Path key) {
        List<Certificate> chain = certificates(cert);
        PrivateKey privateKey = privateKey(key);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setKeyEntry("client", privateKey, NO_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, NO_PASSWORD);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(cert + " with " + key + ": " + e.getMessage(), e);
        }
    }

    /** The certificates in a PEM file, at least one. */
    public static List<Certificate> certificates(Path file) {
        List<byte[]> blocks = blocks(file, "CERTIFICATE");
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<Certificate> out = new ArrayList<>();
            for (byte[] der : blocks) {
                out.add(cf.generateCertificate(new ByteArrayInputStream(der)));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a readable certificate: " + e.getMessage(), e);
        }
    }

    /** The PKCS#8 private key in a PEM file. */
    public static PrivateKey privateKey(Path file) {
        String text = read(file);
        if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new IllegalArgumentException(file + " is an encrypted key: give an unencrypted one (openssl pkcs8 -topk8 -nocrypt)");
        }
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
            throw new IllegalArgumentException(file + " is a PKCS#1/SEC1 key: convert it to PKCS#8 with"
                    + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        List<byte[]> blocks = blocks(file, "PRIVATE KEY");
        if (blocks.size() != 1) {
            throw new IllegalArgumentException(file + " holds " + blocks.size() + " PEM private keys (-----BEGIN PRIVATE KEY-----);"
                    + " it needs one");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(blocks.get(0));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // the next algorithm
            }
        }
        throw new IllegalArgumentException(file + " holds no RSA, EC or Ed25519 private key this JVM can read");
    }

    private static List<byte[]> blocks(Path file, String type) {
        Matcher m = PEM.matcher(read(file));
        List<byte[]> out = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": a PEM block that is not base64: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getClass().getSimpleName() + " " + e.getMessage()), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a PEM text file", e);
        }
    }
}
