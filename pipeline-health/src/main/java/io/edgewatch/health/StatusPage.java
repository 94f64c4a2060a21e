package io.edgewatch.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The status page's files, read from the jar once: the page itself ({@code edgewatch/ui/} in this
 * module's resources) and uPlot from its WebJar. Nothing is fetched from elsewhere; the files hold
 * no data (the page reads the guarded JSON endpoints with the token the user gives it), so they
 * are served without one.
 */
final class StatusPage {

    /** A file: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private static final String UPLOT = "META-INF/resources/webjars/uplot/%s/dist/%s";

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    StatusPage() {
        String uplot = uplotVersion();
        put("/", "edgewatch/ui/index.html", "text/html; charset=utf-8");
        put("/ui/app.js", "edgewatch/ui/app.js", "text/javascript; charset=utf-8");
        put("/ui/app.css", "edgewatch/ui/app.css", "text/css; charset=utf-8");
        put("/ui/uPlot.iife.min.js", UPLOT.formatted(uplot, "uPlot.iife.min.js"), "text/javascript; charset=utf-8");
        put("/ui/uPlot.min.css", UPLOT.formatted(uplot, "uPlot.min.css"), "text/css; charset=utf-8");
    }

    private static String uplotVersion() {
        try (InputStream in = resource("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String path) {
        InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("the status page's file " + path + " is not in the jar");
        }
        return in;
    }

    private void put(String route, String path, String type) {
        try (InputStream in = resource(path)) {
            assets.put(route, new Asset(in.readAllBytes(), type));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file served at {@code route}, or null. */
    Asset get(String route) {
        return assets.get(route);
    }
}
