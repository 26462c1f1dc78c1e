package dev.fcfs.producer.dashboard;

import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /dashboard/data}: the JSON the dashboard page polls. Public: aggregates only, no user ids. */
@RestController
class DashboardController {

    private final DashboardSampler sampler;

    DashboardController(DashboardSampler sampler) {
        this.sampler = sampler;
    }

    @GetMapping("/dashboard/data")
    ResponseEntity<DashboardData> data() {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(this.sampler.current());
    }

}
