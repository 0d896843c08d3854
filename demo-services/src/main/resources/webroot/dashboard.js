// The registry console: a snapshot, then every change and sample, pushed by the gateway as server-sent events.
(function () {
  'use strict';

  // What the page renders at most, whatever the registry holds: it stays responsive at any size.
  const LIMITS = {historyShown: 200, instancesShown: 400, chartedServices: 12};
  const WINDOW_SECONDS = 15 * 60;
  const TOKEN_KEY = 'registry-console-token';
  const ARMED_MS = 5000;   // how long a first click on Deregister waits for the second

  const state = {
    instances: new Map(),   // registration -> {record, since}
    history: [],            // oldest first, at most historyLimit
    historyLimit: 500,
    traffic: {},            // registration -> {requestsPerSecond, latencyP50Millis, latencyP99Millis, ejected, ...}
    leases: {},             // registration -> {lease, secondsLeft} or {lease, error}
    series: {},             // service -> columns {time, up, outOfService, down, requestsPerSecond, p99Millis}
    actionsEnabled: false,
    actor: null,
    armed: null,            // {registration, until}: a Deregister clicked once
    health: null
  };
  const charts = new Map();  // service -> {instances: uPlot, traffic: uPlot}
  const cards = new Map();   // service -> card element
  // Open to look at from the browser's console (and the browser test): what the page holds and draws.
  window.registryConsole = {state: state, charts: charts, limits: LIMITS};
  const $ = id => document.getElementById(id);

  function element(tag, className, content) {
    const created = document.createElement(tag);
    if (className) {
      created.className = className;
    }
    if (content !== undefined) {
      created.textContent = content;
    }
    return created;
  }

  function endpointOf(record) {
    const location = record.location || {};
    return location.endpoint || (location.host ? location.host + ':' + location.port : JSON.stringify(location));
  }

  function shortId(registration) {
    return registration ? registration.substring(0, 8) : '';
  }

  function clock(time) {
    return new Date(time).toLocaleTimeString();
  }

  function ago(time) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(time).getTime()) / 1000));
    if (seconds < 90) {
      return seconds + ' s ago';
    }
    if (seconds < 90 * 60) {
      return Math.round(seconds / 60) + ' min ago';
    }
    return Math.round(seconds / 3600) + ' h ago';
  }

  function number(value, digits) {
    return typeof value === 'number' && isFinite(value) ? value.toFixed(digits) : '–';
  }

  function bytes(size) {
    if (size >= 1 << 20) {
      return (size / (1 << 20)).toFixed(1) + ' MiB';
    }
    return (size / 1024).toFixed(0) + ' KiB';
  }

  // Rendering is coalesced: a burst of changes costs one render per frame.
  let renderPending = false;
  function scheduleRender() {
    if (!renderPending) {
      renderPending = true;
      requestAnimationFrame(() => {
        renderPending = false;
        renderServices();
        renderHistory();
      });
    }
  }

  function byService() {
    const services = new Map();
    for (const [registration, entry] of state.instances) {
      const name = entry.record.name;
      if (!services.has(name)) {
        services.set(name, []);
      }
      services.get(name).push([registration, entry]);
    }
    return services;
  }

  function renderServices() {
    const services = byService();
    const names = [...services.keys()].sort();
    for (const [name, card] of cards) {
      if (!services.has(name)) {
        card.remove();
        cards.delete(name);
        destroyCharts(name);
      }
    }
    let shown = 0;
    const container = $('services');
    names.forEach((name, index) => {
      const card = cardOf(name, index < LIMITS.chartedServices);
      container.appendChild(card);
      const instances = services.get(name);
      renderCounts(card, instances);
      const list = card.querySelector('.instances');
      list.replaceChildren();
      for (const [registration, entry] of instances) {
        if (shown++ >= LIMITS.instancesShown) {
          break;
        }
        list.appendChild(instanceItem(registration, entry));
      }
    });
    const total = state.instances.size;
    $('count').textContent = total === 1 ? '1 instance' : total + ' instances';
    $('services-note').textContent = total > LIMITS.instancesShown
      ? 'Showing ' + LIMITS.instancesShown + ' of ' + total + ' instances.' : '';
    updateServiceFilter(names);
  }

  function cardOf(name, charted) {
    if (cards.has(name)) {
      return cards.get(name);
    }
    const card = element('div', 'service');
    card.dataset.name = name;
    const head = element('div', 'service-head');
    head.appendChild(element('h3', null, name));
    head.appendChild(element('span', 'counts'));
    card.appendChild(head);
    const chartRow = element('div', 'charts');
    if (charted) {
      chartRow.appendChild(element('div', 'chart instances-chart'));
      chartRow.appendChild(element('div', 'chart traffic-chart'));
    } else {
      chartRow.appendChild(element('p', 'note', 'Charts are drawn for the first ' + LIMITS.chartedServices
        + ' services.'));
    }
    card.appendChild(chartRow);
    card.appendChild(element('ul', 'instances'));
    cards.set(name, card);
    if (charted) {
      requestAnimationFrame(() => createCharts(name, card));
    }
    return card;
  }

  function renderCounts(card, instances) {
    const counts = {UP: 0, OUT_OF_SERVICE: 0, DOWN: 0};
    instances.forEach(([, entry]) => {
      const status = entry.record.status in counts ? entry.record.status : 'DOWN';
      counts[status]++;
    });
    const target = card.querySelector('.counts');
    target.replaceChildren(
      element('span', 'count UP', counts.UP + ' up'),
      element('span', 'count OUT_OF_SERVICE', counts.OUT_OF_SERVICE + ' out of service'),
      element('span', 'count DOWN', counts.DOWN + ' down'));
    target.dataset.up = counts.UP;
    target.dataset.outOfService = counts.OUT_OF_SERVICE;
    target.dataset.down = counts.DOWN;
  }

  function instanceItem(registration, entry) {
    const record = entry.record;
    const metadata = record.metadata || {};
    const item = element('li', 'instance');
    item.dataset.registration = registration;
    item.dataset.name = record.name;
    item.dataset.status = record.status;

    const main = element('div', 'main');
    main.appendChild(element('span', 'status ' + record.status, record.status));
    main.appendChild(element('span', 'mono endpoint', endpointOf(record)));
    main.appendChild(element('span', 'mono registration', shortId(registration)));
    item.appendChild(main);

    const facts = element('div', 'facts');
    facts.appendChild(element('span', 'zone', 'zone ' + (metadata.zone || '–')));
    facts.appendChild(element('span', 'weight', 'weight ' + (metadata.weight || 1)));
    const since = element('span', 'since', 'since ' + clock(entry.since) + ' (' + ago(entry.since) + ')');
    since.title = entry.since;
    facts.appendChild(since);
    facts.appendChild(leaseOf(registration));
    item.appendChild(facts);

    item.appendChild(trafficOf(registration, record));

    const chips = element('div', 'chips');
    Object.keys(metadata).sort().forEach(key => {
      const value = typeof metadata[key] === 'object' ? JSON.stringify(metadata[key]) : String(metadata[key]);
      const chip = element('span', 'chip');
      chip.appendChild(element('b', null, key));
      chip.appendChild(element('span', null, value));
      chip.title = key + ' = ' + value;
      chips.appendChild(chip);
    });
    item.appendChild(chips);

    if (state.actor) {
      item.appendChild(actionsOf(registration, record));
    }
    return item;
  }

  function leaseOf(registration) {
    const lease = state.leases[registration];
    const span = element('span', 'lease');
    if (!lease) {
      span.textContent = 'lease –';
    } else if (lease.error) {
      span.textContent = 'lease ' + lease.lease + ': etcd could not say (' + lease.error + ')';
    } else if (lease.secondsLeft < 0) {
      span.textContent = 'lease ' + lease.lease + ' gone';
    } else {
      // Lease ids are granted in sequence: only the whole id tells two nodes apart.
      span.textContent = 'lease ' + lease.lease + ': ' + lease.secondsLeft + ' s left';
      span.dataset.secondsLeft = lease.secondsLeft;
    }
    return span;
  }

  function trafficOf(registration, record) {
    const traffic = state.traffic[registration];
    const line = element('div', 'traffic');
    if (!traffic) {
      // The resolver reports the instances it may select: UP ones.
      line.textContent = record.status === 'UP' ? 'no request from the gateway yet'
        : 'the gateway sends it nothing while it is ' + record.status;
      return line;
    }
    line.dataset.requestsPerSecond = traffic.requestsPerSecond;
    line.appendChild(element('span', 'rate', number(traffic.requestsPerSecond, 1) + ' req/s'));
    line.appendChild(element('span', null, 'p50 ' + number(traffic.latencyP50Millis, 1) + ' ms'));
    line.appendChild(element('span', null, 'p99 ' + number(traffic.latencyP99Millis, 1) + ' ms'));
    line.appendChild(element('span', null, traffic.requests + ' answered, ' + traffic.failures + ' failed'));
    if (traffic.ejected) {
      line.appendChild(element('span', 'ejected', 'ejected by the gateway'));
    }
    return line;
  }

  function actionsOf(registration, record) {
    const actions = element('div', 'actions');
    const target = record.status === 'UP' ? 'OUT_OF_SERVICE' : 'UP';
    const toggle = element('button', 'set-status', target === 'UP' ? 'Put back UP' : 'Take out of service');
    toggle.type = 'button';
    toggle.dataset.status = target;
    toggle.addEventListener('click', () => act('POST', 'api/admin/instances/' + encodeURIComponent(registration)
      + '/status', {status: target}, record.name + ' ' + shortId(registration) + ' set ' + target));
    const remove = element('button', 'deregister danger', 'Deregister');
    remove.type = 'button';
    // Two clicks: a dialog would block the page, and a deregistration is not undone.
    const armed = state.armed && state.armed.registration === registration && state.armed.until > Date.now();
    if (armed) {
      remove.textContent = 'Click again to deregister';
    }
    remove.addEventListener('click', () => {
      if (state.armed && state.armed.registration === registration && state.armed.until > Date.now()) {
        state.armed = null;
        act('DELETE', 'api/admin/instances/' + encodeURIComponent(registration), undefined,
          record.name + ' ' + shortId(registration) + ' deregistered');
      } else {
        state.armed = {registration: registration, until: Date.now() + ARMED_MS};
        remove.textContent = 'Click again to deregister';
      }
    });
    actions.append(toggle, remove);
    return actions;
  }

  // Charts: one of the instances by status, one of the gateway's traffic, per service.
  function chartSize(card) {
    // Side by side when there is room, one above the other on a narrow window.
    const row = card.querySelector('.charts').clientWidth;
    return {width: row < 560 ? row : Math.floor((row - 12) / 2), height: 110};
  }

  function createCharts(name, card) {
    if (!cards.has(name) || charts.has(name) || typeof uPlot !== 'function') {
      return;
    }
    const size = chartSize(card);
    const columns = state.series[name] || emptyColumns();
    const common = {width: size.width, height: size.height, legend: {live: false}, cursor: {show: false}};
    // Clock times, 24 h, with seconds while the history is shorter than a few minutes; labels kept apart.
    const time = {space: 80, values: (chart, ticks) => ticks.map(tick => new Date(tick * 1000).toLocaleTimeString([],
      chart.scales.x.max - chart.scales.x.min < 300
        ? {hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false}
        : {hour: '2-digit', minute: '2-digit', hour12: false}))};
    const instances = new uPlot(Object.assign({}, common, {
      title: 'instances, last 15 min',
      scales: {y: {range: (chart, min, max) => [0, Math.max(1, max) + 1]}},
      series: [{}, {label: 'up', stroke: '#137333', width: 2}, {label: 'out of service', stroke: '#b26a00'},
        {label: 'down', stroke: '#b3261e'}],
      axes: [time, {size: 36, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500]}]
    }), instanceData(columns), card.querySelector('.instances-chart'));
    const traffic = new uPlot(Object.assign({}, common, {
      title: 'gateway traffic, last 15 min',
      scales: {rate: {range: (chart, min, max) => [0, Math.max(1, max)]},
        ms: {range: (chart, min, max) => [0, Math.max(1, max)]}},
      series: [{}, {label: 'req/s', stroke: '#1a5fb4', width: 2, scale: 'rate'},
        {label: 'slowest p99 ms', stroke: '#7b3fa0', scale: 'ms'}],
      axes: [time, {scale: 'rate', size: 44}, {scale: 'ms', side: 1, grid: {show: false}, size: 52}]
    }), trafficData(columns), card.querySelector('.traffic-chart'));
    charts.set(name, {instances: instances, traffic: traffic});
  }

  function destroyCharts(name) {
    const pair = charts.get(name);
    if (pair) {
      pair.instances.destroy();
      pair.traffic.destroy();
      charts.delete(name);
    }
  }

  function emptyColumns() {
    return {time: [], up: [], outOfService: [], down: [], requestsPerSecond: [], p99Millis: []};
  }

  // Copies: a chart draws what it is given, and only a new setData redraws it.
  function instanceData(columns) {
    return [columns.time, columns.up, columns.outOfService, columns.down].map(column => column.slice());
  }

  function trafficData(columns) {
    return [columns.time, columns.requestsPerSecond, columns.p99Millis].map(column => column.slice());
  }

  function addPoints(points) {
    for (const name of Object.keys(points)) {
      const columns = state.series[name] || (state.series[name] = emptyColumns());
      const point = points[name];
      Object.keys(columns).forEach(key => columns[key].push(point[key]));
      // The window: what is older than 15 minutes goes, as on the gateway.
      while (columns.time.length && columns.time[0] < point.time - WINDOW_SECONDS) {
        Object.keys(columns).forEach(key => columns[key].shift());
      }
      const pair = charts.get(name);
      if (pair) {
        pair.instances.setData(instanceData(columns));
        pair.traffic.setData(trafficData(columns));
      }
    }
  }

  window.addEventListener('resize', () => {
    for (const [name, pair] of charts) {
      const size = chartSize(cards.get(name));
      pair.instances.setSize(size);
      pair.traffic.setSize(size);
    }
  });

  // History: kept as the gateway keeps it, filtered and capped when shown.
  function addHistory(entry) {
    state.history.push(entry);
    if (state.history.length > state.historyLimit) {
      state.history.shift();
    }
    scheduleRender();
  }

  function renderHistory() {
    const service = $('filter-service').value;
    const kind = $('filter-kind').value;
    const matching = state.history.filter(entry => (!service || entry.name === service)
      && (!kind || entry.kind === kind));
    const shown = matching.slice(-LIMITS.historyShown).reverse();
    const feed = $('feed');
    feed.replaceChildren(...shown.map(historyItem));
    $('history-count').textContent = state.history.length + ' kept';
    $('feed-note').textContent = matching.length > shown.length
      ? 'Showing the latest ' + shown.length + ' of ' + matching.length + '.' : '';
  }

  function historyItem(entry) {
    const item = element('li', 'entry ' + entry.kind);
    item.dataset.kind = entry.kind;
    item.dataset.registration = entry.registration || '';
    item.dataset.name = entry.name || '';
    item.appendChild(element('span', 'time', clock(entry.time)));
    item.appendChild(element('span', 'kind', entry.kind));
    const what = element('span', 'what');
    if (entry.name) {
      what.appendChild(element('b', null, entry.name + ' '));
    }
    if (entry.registration) {
      what.appendChild(element('span', 'mono', shortId(entry.registration) + ' '));
    }
    what.appendChild(document.createTextNode(entry.text));
    item.appendChild(what);
    if (entry.actor) {
      item.appendChild(element('span', 'actor', 'by ' + entry.actor));
    }
    return item;
  }

  function updateServiceFilter(names) {
    const select = $('filter-service');
    const known = new Set([...select.options].map(option => option.value));
    names.filter(name => !known.has(name)).forEach(name => select.appendChild(element('option', null, name)));
  }

  $('filter-service').addEventListener('change', renderHistory);
  $('filter-kind').addEventListener('change', renderHistory);

  // The cluster and this node, in plain words.
  function showNode(node) {
    if (!node) {
      return;
    }
    const list = $('node');
    list.replaceChildren(element('li', null, 'This node\'s view: ' + node.view + '.'),
      element('li', null, 'Its lease: ' + node.lease + '.'));
    if (node.reason) {
      list.appendChild(element('li', 'bad', 'Degraded: ' + node.reason + '.'));
    }
    list.dataset.healthy = node.healthy;
  }

  function showCluster(cluster) {
    const summary = $('cluster-summary');
    const members = $('members');
    if (!cluster || cluster.error) {
      summary.textContent = cluster && cluster.error ? 'etcd could not say: ' + cluster.error : 'asking etcd…';
      summary.className = cluster && cluster.error ? 'bad' : '';
      members.replaceChildren();
      return;
    }
    summary.className = cluster.alarms.length ? 'bad' : '';
    summary.textContent = 'Revision ' + cluster.revision + ' · leader ' + (cluster.leader || 'none answered')
      + ' · alarms: ' + (cluster.alarms.length ? cluster.alarms.join(', ') : 'none');
    summary.dataset.revision = cluster.revision;
    members.replaceChildren(...cluster.members.map(member => {
      const item = element('li', 'member' + (member.leader ? ' leader' : '') + (member.error ? ' bad' : ''));
      item.dataset.name = member.name;
      item.appendChild(element('b', null, member.name + (member.leader ? ' (leader)' : '')));
      item.appendChild(element('span', 'mono', member.clientUrls.join(' ')));
      item.appendChild(element('span', null, member.error ? 'did not answer: ' + member.error
        : 'etcd ' + member.version + ' · database ' + bytes(member.dbSizeBytes) + ' (' + bytes(member.dbSizeInUseBytes)
          + ' in use) · raft term ' + member.raftTerm));
      return item;
    }));
  }

  function showHealth(latest) {
    state.health = latest;
    const badge = $('health');
    // Plain words: the gateway sends the registry's reason when it is not healthy.
    badge.textContent = latest.healthy ? 'registry in step with etcd (revision ' + latest.revision + ')'
      : 'registry degraded: ' + latest.reason;
    badge.className = 'badge ' + (latest.healthy ? 'good' : 'bad');
  }

  // Actions, with the admin token kept for this tab only.
  function notice(text, bad) {
    const target = $('notice');
    target.textContent = text;
    target.className = bad ? 'bad' : '';
  }

  function authorization(secret) {
    return {Authorization: 'Bearer ' + secret};
  }

  async function signIn(secret) {
    const response = await fetch('api/admin/whoami', {headers: authorization(secret)});
    if (!response.ok) {
      sessionStorage.removeItem(TOKEN_KEY);
      state.actor = null;
      notice('token refused (' + response.status + ')', true);
    } else {
      sessionStorage.setItem(TOKEN_KEY, secret);
      state.actor = (await response.json()).name;
      notice('');
    }
    showOperator();
    scheduleRender();
  }

  async function act(method, url, body, what) {
    const secret = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(url, {method: method, headers: Object.assign({'content-type': 'application/json'},
      secret ? authorization(secret) : {}), body: body ? JSON.stringify(body) : undefined});
    const answer = await response.json().catch(() => ({}));
    notice(response.ok ? 'done: ' + what : what + ' refused (' + response.status + '): ' + answer.error, !response.ok);
  }

  function showOperator() {
    $('read-only').hidden = state.actionsEnabled;
    $('sign-in').hidden = !state.actionsEnabled || state.actor !== null;
    $('signed-in').hidden = state.actor === null;
    $('actor').textContent = state.actor || '';
  }

  $('sign-in').addEventListener('submit', event => {
    event.preventDefault();
    signIn($('token').value);
    $('token').value = '';
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.actor = null;
    showOperator();
    scheduleRender();
  });

  // The feed.
  const events = new EventSource('api/events');
  events.addEventListener('open', () => {
    const badge = $('connection');
    badge.textContent = 'live';
    badge.className = 'badge good';
  });
  events.addEventListener('error', () => {
    const badge = $('connection');
    badge.textContent = 'reconnecting…';
    badge.className = 'badge bad';
  });
  events.addEventListener('snapshot', message => {
    const snapshot = JSON.parse(message.data);
    state.instances.clear();
    snapshot.instances.forEach(entry => state.instances.set(entry.record.registration, entry));
    state.history = snapshot.history;
    state.historyLimit = snapshot.historyLimit;
    state.traffic = snapshot.traffic;
    state.leases = snapshot.leases;
    state.series = snapshot.series.services;
    state.actionsEnabled = snapshot.actionsEnabled;
    for (const name of [...charts.keys()]) {
      destroyCharts(name);
    }
    cards.forEach(card => card.remove());
    cards.clear();
    showHealth(snapshot.health);
    showNode(snapshot.node);
    showCluster(snapshot.cluster);
    const secret = sessionStorage.getItem(TOKEN_KEY);
    if (secret && state.actionsEnabled && state.actor === null) {
      signIn(secret);
    }
    showOperator();
    scheduleRender();
  });
  events.addEventListener('change', message => {
    const change = JSON.parse(message.data);
    if (change.type === 'LEAVE') {
      state.instances.delete(change.registration);
    } else {
      const known = state.instances.get(change.registration);
      state.instances.set(change.registration, {record: change.record, since: known ? known.since : change.time});
    }
    if (state.health) {
      showHealth(Object.assign({}, state.health, {revision: change.revision}));
    }
    scheduleRender();
  });
  events.addEventListener('history', message => addHistory(JSON.parse(message.data)));
  events.addEventListener('state', message => {
    const changed = JSON.parse(message.data);
    showHealth(changed.health);
    showNode(changed.node);
  });
  events.addEventListener('tick', message => {
    const tick = JSON.parse(message.data);
    state.traffic = tick.traffic;
    addPoints(tick.services);
    scheduleRender();
  });
  events.addEventListener('leases', message => {
    state.leases = JSON.parse(message.data);
    scheduleRender();
  });
  events.addEventListener('cluster', message => {
    const update = JSON.parse(message.data);
    showCluster(update.cluster);
    showNode(update.node);
  });
})();
