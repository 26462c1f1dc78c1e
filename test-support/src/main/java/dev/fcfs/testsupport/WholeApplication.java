package dev.fcfs.testsupport;

import java.io.IOException;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

/**
 * Runs a service's whole application in the test JVM, the way {@code java -jar} would, for tests of its start-up
 * itself (a start-up that fails cannot be a {@code @SpringBootTest}). Component scanning leaves out the classes of
 * the test output directory, so that the test configurations the module's other tests declare do not join in.
 */
public final class WholeApplication {

    private WholeApplication() {
    }

    /**
     * @param args command-line arguments ({@code --name=value}): they take precedence over the application's
     * {@code application.properties} and the environment
     */
    public static ConfigurableApplicationContext run(Class<?> application, String... args) {
        SpringApplication app = new SpringApplication(application);
        app.addInitializers((context) -> context.getBeanFactory()
            .registerSingleton(MainClassesOnly.class.getName(), new MainClassesOnly()));
        return app.run(args);
    }

    /** Leaves out of component scanning every class compiled from a test source directory. */
    static final class MainClassesOnly extends TypeExcludeFilter {

        @Override
        public boolean match(MetadataReader reader, MetadataReaderFactory factory) {
            try {
                return reader.getResource().getURL().getPath().contains("/test-classes/");
            }
            catch (IOException ex) {
                return false;
            }
        }

        @Override
        public boolean equals(Object other) {
            return other != null && other.getClass() == getClass();
        }

        @Override
        public int hashCode() {
            return getClass().hashCode();
        }

    }

}
