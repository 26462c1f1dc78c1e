package dev.fcfs.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.fcfs.loadgen.LoadDriver;
import dev.fcfs.loadgen.Requests;
import dev.fcfs.loadgen.ReservationApi;
import dev.fcfs.shared.queue.QueueKeys;
import dev.fcfs.testsupport.Deployment;
import dev.fcfs.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The dashboard page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) while a
 * burst goes through a producer and a consumer running as processes: the page must show the line as it builds up
 * (the consumer frozen, nothing decided yet) and then as the consumer drains it, without a reload. Fails loudly when
 * Chromium is missing; skipped only with {@code FCFS_SKIP_BROWSER_TESTS=true}. Paths can be overridden with
 * {@code FCFS_CHROMIUM} and {@code FCFS_CHROMEDRIVER}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardBrowserTests {

    private static final int SHARDS = 4;

    private static final int CAPACITY = 20;

    private static final int REQUESTS = 150;

    private static final Path SCREENSHOT = Path.of("target", "dashboard-browser-test.png");

    private static Deployment deployment;

    private static LoadDriver driver;

    private WebDriver browser;

    private Path profile;

    @BeforeAll
    static void startServices() {
        deployment = Deployment.start("dashboard", SHARDS, 1, Map.of("RESERVATION_WORKER_LEASE_TTL", "30s"));
        driver = new LoadDriver(new ReservationApi(deployment.producer().baseUri(), deployment.adminToken()));
    }

    @AfterAll
    static void stopServices() {
        if (driver != null) {
            driver.close();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    @BeforeEach
    void startBrowser() throws Exception {
        assumeFalse("true".equalsIgnoreCase(System.getenv("FCFS_SKIP_BROWSER_TESTS")),
                "FCFS_SKIP_BROWSER_TESTS=true");
        Path chromium = Path.of(env("FCFS_CHROMIUM", "/usr/bin/chromium"));
        Path chromedriver = Path.of(env("FCFS_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
            throw new IllegalStateException("The dashboard browser test needs " + chromium + " and " + chromedriver
                    + ": apt-get install -y chromium chromium-driver (or set FCFS_SKIP_BROWSER_TESTS=true)");
        }
        this.profile = Files.createTempDirectory("fcfs-chromium-");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
            .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-dev-shm-usage", "--window-size=1280,1600", "--user-data-dir=" + this.profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
            .usingAnyFreePort()
            .build();
        this.browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (this.browser != null) {
            this.browser.quit();
        }
    }

    @Test
    void followsABurstAsItQueuesAndAsTheConsumerDecidesItWithoutAReload() throws Exception {
        long event = driver.createEvent("dashboard-burst", CAPACITY).id();
        QueueKeys keys = new QueueKeys(deployment.keyPrefix(), SHARDS);
        int shard = keys.shardOf(event);
        ServiceProcess consumer = deployment.consumers().get(0);
        WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(30));
        // the page redraws its tables every second: an element found just before a redraw is stale when read,
        // which only means "look again"
        wait.ignoring(StaleElementReferenceException.class);
        wait.withMessage(() -> "page status: " + text(this.browser, "status"));
        this.browser.get(deployment.producer().baseUri() + "/dashboard");
        wait.until((page) -> "rendered".equals(page.findElement(By.tagName("body")).getDomAttribute("data-state")));
        try {
            consumer.freeze();
            try {
                driver.fire(Requests.valid(List.of(event), REQUESTS, REQUESTS, new Random(1)))
                    .orTimeout(2, TimeUnit.MINUTES)
                    .join();
                String accepted = Integer.toString(driver.history().accepted().size());
                long waiting = deployment.redis().llen(keys.queue(shard));
                long taken = deployment.redis().llen(keys.processing(shard));
                assertThat(waiting + taken).as("jobs in Redis with the consumer frozen").isEqualTo(REQUESTS);

                // the line, built up and not decided
                waitFor(wait, "event-" + event + "-accepted", accepted);
                waitFor(wait, "event-" + event + "-reserved", "0");
                waitFor(wait, "event-" + event + "-remaining", Integer.toString(CAPACITY));
                waitFor(wait, "shard-" + shard + "-pending", Long.toString(waiting));
                waitFor(wait, "shard-" + shard + "-processing", Long.toString(taken));
            }
            finally {
                consumer.thaw();
            }
            driver.awaitAllDecided(Duration.ofSeconds(90));

            // the same page, drained by the consumer: it agrees with the API and with Redis
            var decided = driver.api().event(event);
            assertThat(decided.reserved()).isEqualTo(CAPACITY);
            waitFor(wait, "event-" + event + "-reserved", Integer.toString(decided.reserved()));
            waitFor(wait, "event-" + event + "-remaining", "0");
            waitFor(wait, "event-" + event + "-decided", Integer.toString(driver.history().accepted().size()));
            waitFor(wait, "shard-" + shard + "-pending", "0");
            waitFor(wait, "shard-" + shard + "-processing", "0");
            waitFor(wait, "total-pending", "0");
            assertThat(this.browser.findElement(By.id("throughput")).isDisplayed()).isTrue();
            assertThat(this.browser.getPageSource()).doesNotContain(Requests.user(0));
        }
        finally {
            // also on failure: the picture says what the page showed
            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, ((TakesScreenshot) this.browser).getScreenshotAs(OutputType.BYTES));
        }
    }

    private static void waitFor(WebDriverWait wait, String id, String expected) {
        wait.withMessage(() -> id + " should show " + expected);
        wait.until((page) -> expected.equals(text(page, id)));
    }

    private static String text(WebDriver page, String id) {
        var found = page.findElements(By.id(id));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return (value == null || value.isBlank()) ? fallback : value;
    }

}
