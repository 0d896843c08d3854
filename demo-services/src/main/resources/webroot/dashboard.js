// Live view of the registry: a snapshot, then every change, pushed by the gateway as server-sent events.
(function () {
  'use strict';

  const instances = new Map();   // registration -> {record, since}
  const services = document.getElementById('services');
  const feed = document.getElementById('feed');

  function text(tag, content, className) {
    const element = document.createElement(tag);
    element.textContent = content;
    if (className) {
      element.className = className;
    }
    return element;
  }

  function endpointOf(record) {
    const location = record.location || {};
    return location.endpoint || JSON.stringify(location);
  }

  function render() {
    const byName = new Map();
    for (const [registration, entry] of instances) {
      const name = entry.record.name;
      if (!byName.has(name)) {
        byName.set(name, []);
      }
      byName.get(name).push([registration, entry]);
    }
    services.replaceChildren();
    for (const name of [...byName.keys()].sort()) {
      const section = document.createElement('div');
      section.className = 'service';
      section.dataset.name = name;
      section.appendChild(text('h3', name + ' (' + byName.get(name).length + ')'));
      const table = document.createElement('table');
      const header = document.createElement('tr');
      ['instance', 'endpoint', 'status', 'metadata', 'since'].forEach(column => header.appendChild(text('th', column)));
      table.appendChild(header);
      for (const [registration, entry] of byName.get(name)) {
        const row = document.createElement('tr');
        row.className = 'instance';
        row.dataset.registration = registration;
        row.dataset.name = name;
        row.appendChild(text('td', registration.substring(0, 8), 'mono'));
        row.appendChild(text('td', endpointOf(entry.record), 'mono'));
        row.appendChild(text('td', entry.record.status, 'status ' + entry.record.status));
        row.appendChild(text('td', JSON.stringify(entry.record.metadata || {}), 'mono small'));
        row.appendChild(text('td', new Date(entry.since).toLocaleTimeString()));
        table.appendChild(row);
      }
      section.appendChild(table);
      services.appendChild(section);
    }
    document.getElementById('count').textContent = instances.size + ' instances';
  }

  function addToFeed(change) {
    const item = document.createElement('li');
    item.className = 'change ' + change.type;
    item.dataset.type = change.type;
    item.dataset.registration = change.registration;
    item.appendChild(text('span', new Date(change.time).toLocaleTimeString(), 'time'));
    item.appendChild(text('span', change.type, 'type'));
    item.appendChild(text('span', change.name + ' ' + change.registration.substring(0, 8) + ' '
      + endpointOf(change.record) + ' (revision ' + change.revision + ')'));
    feed.insertBefore(item, feed.firstChild);
    while (feed.children.length > 50) {
      feed.removeChild(feed.lastChild);
    }
  }

  let health = null;

  function showHealth(latest) {
    health = latest;
    const badge = document.getElementById('health');
    // Plain words: the gateway sends the registry's reason when it is not healthy.
    badge.textContent = health.healthy ? 'registry in step with etcd (revision ' + health.revision + ')'
      : 'registry degraded: ' + health.reason;
    badge.className = 'badge ' + (health.healthy ? 'good' : 'bad');
  }

  const events = new EventSource('api/events');
  events.addEventListener('open', () => {
    const badge = document.getElementById('connection');
    badge.textContent = 'live';
    badge.className = 'badge good';
  });
  events.addEventListener('error', () => {
    const badge = document.getElementById('connection');
    badge.textContent = 'reconnecting…';
    badge.className = 'badge bad';
  });
  events.addEventListener('snapshot', message => {
    const snapshot = JSON.parse(message.data);
    instances.clear();
    snapshot.instances.forEach(entry => instances.set(entry.record.registration, entry));
    feed.replaceChildren();
    snapshot.changes.slice().reverse().forEach(addToFeed);
    showHealth(snapshot.health);
    render();
  });
  events.addEventListener('change', message => {
    const change = JSON.parse(message.data);
    if (change.type === 'LEAVE') {
      instances.delete(change.registration);
    } else {
      const known = instances.get(change.registration);
      instances.set(change.registration, {record: change.record, since: known ? known.since : change.time});
    }
    addToFeed(change);
    render();
    if (health) {
      showHealth(Object.assign({}, health, {revision: change.revision}));
    }
  });
  events.addEventListener('state', message => showHealth(JSON.parse(message.data).health));
})();
