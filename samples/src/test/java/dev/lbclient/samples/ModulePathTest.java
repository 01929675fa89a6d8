package dev.lbclient.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles the program in {@code src/test/modular} as a named module against lb-client's modules
 * and runs it with {@code java --module-path ... -m}: the selector API, an OkHttp call through the
 * interceptor to a loopback server, and a gRPC call through the policy to a loopback Netty server.
 * lb-client's modules must be named modules there, and gRPC must find the policy through the
 * module's {@code provides}.
 */
class ModulePathTest {
  /** Test tooling and the samples' charting libraries: not part of the program's module graph. */
  private static final Pattern NOT_NEEDED = Pattern.compile(
      "(junit|opentest4j|apiguardian|assertj|byte-buddy|surefire|xchart|VectorGraphics2D|pdfbox"
          + "|fontbox|graphics2d|commons-logging|HdrHistogram|grpc-testing-proto|slf4j-simple)"
          + "[^/\\\\]*$");

  @Test
  void program_onTheModulePath_usesSelectorOkHttpAndGrpc(@TempDir Path dir) throws Exception {
    String modulePath = modulePath();
    Path classes = dir.resolve("classes");
    Path sources = Paths.get("src/test/modular");
    List<String> args = new ArrayList<>(List.of("--module-path", modulePath, "-d",
        classes.toString(), "-Xlint:-requires-automatic"));
    try (Stream<Path> files = Files.walk(sources)) {
      files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, args.toArray(String[]::new)))
        .as("javac " + args).isZero();

    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Path log = dir.resolve("out.txt");
    Process process = new ProcessBuilder(java.toString(),
        "--module-path", classes + File.pathSeparator + modulePath,
        // Guava's failureaccess is an explicit module that the automatic guava cannot require.
        "--add-modules", "ALL-MODULE-PATH",
        "-m", "dev.lbclient.samples.modular/dev.lbclient.samples.modular.Main")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    boolean exited = process.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("the program ended within 120 s; output:%n%s", out).isTrue();
    assertThat(process.exitValue()).as("exit code; output:%n%s", out).isZero();
    assertThat(out.lines())
        .contains("selector [127.0.0.1:1, 127.0.0.1:2] module=dev.lbclient")
        .contains("okhttp 200 hello module=dev.lbclient.okhttp")
        .contains("grpc echo hi policy=dev.lbclient.grpc successes=1");
  }

  /** The test's class path as a module path: lb-client's modules and their dependencies. */
  private static String modulePath() throws IOException {
    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> entries = new ArrayList<>();
    for (String entry : classPath.split(Pattern.quote(File.pathSeparator))) {
      Path path = Paths.get(entry);
      if (NOT_NEEDED.matcher(entry).find() || !Files.exists(path)) {
        continue;
      }
      // A directory is a module only with a module-info.class (the library modules' classes
      // when the build stops before packaging); the samples' own classes are not.
      if (Files.isDirectory(path) && !Files.exists(path.resolve("module-info.class"))) {
        continue;
      }
      entries.add(entry);
    }
    assertThat(entries).as("module path").anyMatch(e -> e.contains("lb-client-api"));
    return entries.stream().collect(Collectors.joining(File.pathSeparator));
  }
}
