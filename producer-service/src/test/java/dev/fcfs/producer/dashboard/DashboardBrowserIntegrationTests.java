package dev.fcfs.producer.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.fcfs.producer.admin.AdminIntegrationSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The dashboard page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}), during a
 * burst. Fails loudly when Chromium is missing; skipped only with {@code FCFS_SKIP_BROWSER_TESTS=true}. Paths can be
 * overridden with {@code FCFS_CHROMIUM} and {@code FCFS_CHROMEDRIVER}.
 */
class DashboardBrowserIntegrationTests extends AdminIntegrationSupport {

    private static final Path SCREENSHOT = Path.of("target", "dashboard-browser-test.png");

    private WebDriver browser;

    private Path profile;

    @BeforeEach
    void startBrowser() throws Exception {
        assumeFalse("true".equalsIgnoreCase(System.getenv("FCFS_SKIP_BROWSER_TESTS")),
                "FCFS_SKIP_BROWSER_TESTS=true");
        Path chromium = Path.of(env("FCFS_CHROMIUM", "/usr/bin/chromium"));
        Path driver = Path.of(env("FCFS_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            throw new IllegalStateException("The dashboard browser test needs " + chromium + " and " + driver
                    + ": apt-get install -y chromium chromium-driver (or set FCFS_SKIP_BROWSER_TESTS=true)");
        }
        this.profile = Files.createTempDirectory("fcfs-chromium-");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
            .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-dev-shm-usage", "--window-size=1280,1600", "--user-data-dir=" + this.profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
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
    void showsTheSameEventCountsAndQueueDepthsAsTheApiAndRedisDuringABurst() throws Exception {
        long first = createEventAsAdmin("browser-a", 100);
        long second = createEventAsAdmin("browser-b", 7);
        // the consumer's committed counts for one event
        this.jdbc.sql("UPDATE events SET reserved = 3, last_position = 3 WHERE id = ?").param(second).update();

        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Integer>> burst = new ArrayList<>();
        try {
            for (int i = 0; i < 120; i++) {
                long eventId = (i % 3 == 0) ? second : first;
                String user = "burst-" + i;
                burst.add(CompletableFuture.supplyAsync(() -> reserve(eventId, user).statusCode(), clients));
            }
            this.browser.get("http://127.0.0.1:" + this.port + "/dashboard");
            for (CompletableFuture<Integer> request : burst) {
                assertThat(request.get()).isEqualTo(202);
            }
        }
        finally {
            clients.shutdown();
        }

        WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
        // the page redraws its tables every second: an element found just before a redraw is stale when read,
        // which only means "look again"
        wait.ignoring(StaleElementReferenceException.class);
        try {
            assertPageMatches(wait, first, second);
        }
        finally {
            // also on failure: the picture says what the page showed
            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, ((TakesScreenshot) this.browser).getScreenshotAs(OutputType.BYTES));
        }
        assertThat(SCREENSHOT).isNotEmptyFile();
    }

    private void assertPageMatches(WebDriverWait wait, long first, long second) {
        wait.withMessage(() -> "page status: " + text(this.browser, "status"));
        wait.until((page) -> "rendered".equals(page.findElement(By.tagName("body")).getDomAttribute("data-state")));
        for (long eventId : List.of(first, second)) {
            JsonNode event = body(get("/events/" + eventId));
            wait.until((page) -> text(page, "event-" + eventId + "-reserved").equals(event.path("reserved").asString())
                    && text(page, "event-" + eventId + "-capacity").equals(event.path("capacity").asString())
                    && text(page, "event-" + eventId + "-remaining").equals(event.path("remaining").asString()));
            int shard = this.keys.shardOf(eventId);
            long depth = this.redis.opsForList().size(this.keys.queue(shard));
            wait.until((page) -> text(page, "shard-" + shard + "-pending").equals(Long.toString(depth)));
        }
        long total = 0;
        for (int shard = 0; shard < this.keys.shards(); shard++) {
            total += this.redis.opsForList().size(this.keys.queue(shard));
        }
        String expectedTotal = Long.toString(total);
        wait.until((page) -> text(page, "total-pending").equals(expectedTotal));
        assertThat(text(this.browser, "event-" + second + "-remaining")).isEqualTo("4");
        assertThat(this.browser.findElement(By.id("throughput")).isDisplayed()).isTrue();
        assertThat(this.browser.getPageSource()).doesNotContain("burst-");
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
