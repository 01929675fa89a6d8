package dev.lbclient.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each published module's public API (public and protected types and members, with generic
 * signatures) against the list committed in {@code src/test/resources/api/<module>.txt}, so that a
 * change to the public API is always a deliberate diff. After an intended change, rewrite the lists
 * with {@code mvn -pl lb-client-checks -am verify -Dlbclient.api.update=true} and commit them.
 */
class PublicApiTest {
  private static final Path LISTS = Paths.get("src/test/resources/api");

  @ParameterizedTest
  @ValueSource(strings = {"lb-client-api", "lb-client-dns", "lb-client-okhttp", "lb-client-grpc",
      "lb-client-micrometer", "lb-client-server", "lb-client-spring-boot-starter",
      "lb-client-kubernetes", "lb-client-xds", "lb-client-zookeeper"})
  void publicApi_isTheCommittedList(String module) throws Exception {
    List<String> actual = api(classesOf(module));
    Path list = LISTS.resolve(module + ".txt");
    if (Boolean.getBoolean("lbclient.api.update")) {
      Files.createDirectories(LISTS);
      Files.write(list, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(list).as("committed API list of %s (create it with -Dlbclient.api.update=true)",
        module).exists();
    List<String> committed = Files.readAllLines(list, StandardCharsets.UTF_8);
    List<String> added = new ArrayList<>(actual);
    added.removeAll(committed);
    List<String> removed = new ArrayList<>(committed);
    removed.removeAll(actual);
    assertThat(added.isEmpty() && removed.isEmpty())
        .as("the public API of %s changed; if intended, rerun with -Dlbclient.api.update=true and"
            + " commit %s%nadded:%n  %s%nremoved:%n  %s", module, list,
            String.join("\n  ", added), String.join("\n  ", removed))
        .isTrue();
  }

  /** The jar or classes directory of {@code module} on the test class path. */
  private static Path classesOf(String module) {
    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    Pattern jar = Pattern.compile(Pattern.quote(module) + "-\\d[^/\\\\]*\\.jar$");
    Pattern dir = Pattern.compile("[/\\\\]" + Pattern.quote(module) + "[/\\\\]target[/\\\\]classes$");
    return Arrays.stream(classPath.split(Pattern.quote(File.pathSeparator)))
        .filter(e -> jar.matcher(e).find() || dir.matcher(e).find())
        .map(Paths::get)
        .findFirst()
        .orElseThrow(() -> new AssertionError(module + " is not on the test class path"));
  }

  private static List<String> classNames(Path location) throws IOException {
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        files.map(p -> location.relativize(p).toString().replace(File.separatorChar, '/'))
            .forEach(names::add);
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        jar.stream().map(e -> e.getName()).forEach(names::add);
      }
    }
    return names.stream()
        .filter(n -> n.startsWith("dev/lbclient/") && n.endsWith(".class"))
        .filter(n -> !n.endsWith("module-info.class") && !n.endsWith("package-info.class"))
        .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
        .sorted()
        .collect(Collectors.toList());
  }

  private static List<String> api(Path location) throws Exception {
    List<String> lines = new ArrayList<>();
    for (String name : classNames(location)) {
      Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
      if (!visible(type)) {
        continue;
      }
      lines.add(describe(type));
      TreeSet<String> members = new TreeSet<>();
      for (Field f : type.getDeclaredFields()) {
        if (visible(type, f) && !f.isSynthetic()) {
          members.add(f.toGenericString());
        }
      }
      for (Constructor<?> c : type.getDeclaredConstructors()) {
        if (visible(type, c) && !c.isSynthetic()) {
          members.add(c.toGenericString());
        }
      }
      for (Method m : type.getDeclaredMethods()) {
        if (visible(type, m) && !m.isSynthetic() && !m.isBridge()) {
          members.add(m.toGenericString());
        }
      }
      members.forEach(m -> lines.add("  " + m));
    }
    return lines;
  }

  /** Public, and reachable from outside: every enclosing type public too. */
  private static boolean visible(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  /** Public members, and protected ones of a type that can be extended. */
  private static boolean visible(Class<?> owner, Member member) {
    int mod = member.getModifiers();
    return Modifier.isPublic(mod)
        || (Modifier.isProtected(mod) && !Modifier.isFinal(owner.getModifiers()));
  }

  private static String describe(Class<?> type) {
    StringBuilder line = new StringBuilder(type.toGenericString());
    Type superclass = type.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
      line.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0) {
      line.append(type.isInterface() ? " extends " : " implements ").append(
          Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
    }
    if (type.isSealed()) {
      line.append(" permits ").append(Arrays.stream(type.getPermittedSubclasses())
          .map(Class::getName).collect(Collectors.joining(", ")));
    }
    return line.toString();
  }
}
