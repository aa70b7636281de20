// Starts Solr 9 in this JVM with Jetty built in code (JettySolrRunner from solr-test-framework):
// no Solr distribution is needed, only the jars that pom.xml lists.
//   java -cp 'lib/*' Launcher.java SOLR_HOME PORT
// Listens on 127.0.0.1:PORT under /solr; stops cleanly on SIGTERM.
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Launcher SOLR_HOME PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        if (!Files.isRegularFile(home.resolve("solr.xml"))) {
            System.err.println("no solr.xml in " + home);
            System.exit(2);
        }
        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)   // SIGTERM runs Jetty's shutdown hook: cores close cleanly
                .build();
        JettySolrRunner solr = new JettySolrRunner(home.toString(), config);
        solr.start();
        System.out.println("Solr ready on " + solr.getBaseUrl() + " (home " + home + ")");
        Thread.currentThread().join();
    }
}
