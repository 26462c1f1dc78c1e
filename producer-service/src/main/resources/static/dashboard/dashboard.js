// Polls GET /dashboard/data once a second and renders it. Plain DOM, no build step. Every number lives in an
// element with a stable id (event-<id>-reserved, shard-<n>-pending, total-pending, ...) that tests can read.
(function () {
  'use strict';

  let chart = null;

  function cell(row, text, id, cls) {
    const td = document.createElement('td');
    td.textContent = (text === null || text === undefined) ? '–' : String(text);
    if (id) td.id = id;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function fill(tbodySelector, items, render) {
    const tbody = document.querySelector(tbodySelector);
    const rows = items.map((item) => {
      const tr = document.createElement('tr');
      render(tr, item);
      return tr;
    });
    tbody.replaceChildren(...rows);
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : null;
  }

  // the sale window: "opened <date> – closes <date>", open ends left out
  function windowText(e) {
    const parts = [];
    if (e.opensAt) parts.push('opened ' + new Date(e.opensAt).toLocaleString());
    if (e.closesAt) parts.push((Date.parse(e.closesAt) <= Date.now() ? 'closed ' : 'closes ') +
      new Date(e.closesAt).toLocaleString());
    return parts.length ? parts.join(' – ') : 'always open';
  }

  function renderChart(points) {
    if (typeof Chart === 'undefined') return;
    const labels = points.map((p) => time(p.at));
    const accepted = points.map((p) => Math.round(p.acceptedPerSecond * 10) / 10);
    const decided = points.map((p) => Math.round(p.decidedPerSecond * 10) / 10);
    if (!chart) {
      chart = new Chart(document.getElementById('throughput'), {
        type: 'line',
        data: { labels, datasets: [
          { label: 'accepted/s', data: accepted, borderColor: '#1f77b4', pointRadius: 0, tension: 0.2 },
          { label: 'decided/s', data: decided, borderColor: '#2ca02c', pointRadius: 0, tension: 0.2 } ] },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets[0].data = accepted;
      chart.data.datasets[1].data = decided;
      chart.update('none');
    }
  }

  function render(data) {
    fill('#events tbody', data.events, (tr, e) => {
      cell(tr, e.id, `event-${e.id}-id`);
      cell(tr, e.name, `event-${e.id}-name`, 'text');
      cell(tr, e.capacity, `event-${e.id}-capacity`);
      cell(tr, e.reserved, `event-${e.id}-reserved`);
      cell(tr, e.remaining, `event-${e.id}-remaining`);
      cell(tr, e.accepted, `event-${e.id}-accepted`);
      cell(tr, e.decided, `event-${e.id}-decided`);
      cell(tr, e.soldOutAt ? new Date(e.soldOutAt).toLocaleString() : null, `event-${e.id}-sold-out-at`);
      cell(tr, windowText(e), `event-${e.id}-window`, 'text');
    });
    fill('#shards tbody', data.shards, (tr, s) => {
      cell(tr, s.shard);
      cell(tr, s.pending, `shard-${s.shard}-pending`);
      cell(tr, s.processing, `shard-${s.shard}-processing`);
      cell(tr, s.dead, `shard-${s.shard}-dead`, s.dead > 0 ? 'dead' : null);
      cell(tr, s.owner, `shard-${s.shard}-owner`, 'text');
      cell(tr, time(s.lastProgressAt), `shard-${s.shard}-last-progress`);
      // stuck: jobs have waited, and none moved, for reservation.dashboard.stuck-after (docs/operations.md)
      cell(tr, s.stuck ? 'STUCK' : null, `shard-${s.shard}-stuck`, s.stuck ? 'stuck' : null);
      if (s.stuck) tr.classList.add('stuck');
    });
    document.getElementById('total-stuck').textContent = data.shards.filter((s) => s.stuck).length;
    document.getElementById('total-pending').textContent = data.totals.pending;
    document.getElementById('total-processing').textContent = data.totals.processing;
    document.getElementById('total-dead').textContent = data.totals.dead;
    fill('#consumers tbody', data.consumers, (tr, c) => {
      cell(tr, c.id, null, 'text');
      cell(tr, c.alive ? 'yes' : 'no');
      cell(tr, time(c.heartbeatDeadline));
      cell(tr, c.shards.join(', '), null, 'text');
    });
    renderChart(data.throughput);
    const status = document.getElementById('status');
    status.textContent = data.sampledAt
      ? (data.stale ? 'STALE: sampling fails; last sample at ' : 'sampled at ') + time(data.sampledAt)
      : 'waiting for the first sample…';
    document.body.dataset.stale = String(data.stale);
    document.body.dataset.sampledAt = data.sampledAt || '';
    document.body.dataset.state = data.sampledAt ? 'rendered' : 'loading';
  }

  async function poll() {
    try {
      const response = await fetch('/dashboard/data', { cache: 'no-store' });
      if (response.ok) {
        render(await response.json());
      } else {
        document.getElementById('status').textContent = `dashboard data answered ${response.status}`;
      }
    } catch (e) {
      document.getElementById('status').textContent = `dashboard data unreachable (${e})`;
    } finally {
      setTimeout(poll, 1000);
    }
  }

  poll();
})();
