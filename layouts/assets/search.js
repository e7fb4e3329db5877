/* 全文搜索 (search.html): looks a query up in the index that `build` writes under assets/search/.
 *
 * The index's files are scripts that hand their data to window.dwgkSearch, loaded with
 * <script src>: relative to this page, so search works under any sub-path and from file://, and
 * nothing is loaded from another host. A query loads index.js, one postings shard per bigram
 * (two adjacent letters or digits) and the records of the notices that hold every bigram, as
 * many as it needs to find the results it shows.
 * Without JavaScript the page says that search needs it (the text this script removes).
 *
 * dwgk-search-index-format: 3
 * (the index format this script reads: dwgk/search.py INDEX_FORMAT; a build with search refuses
 * a copy of this script that does not name the format the build writes)
 */
(function () {
  "use strict";

  var PAGE = 20; // results shown at a time
  var STATUS_CLASSES = {"已完成": "done", "整改中": "ongoing", "长期坚持": "longterm"};
  var STATUSES = ["已完成", "整改中", "长期坚持"];
  var data = {index: null, shards: {}, records: {}};
  var sections = {}; // shard number -> {part key -> its section, read (see section)}
  var loading = {}; // url -> Promise
  var root = ""; // the site's root, relative to this page
  var run = 0; // the current search; an older one stops when it sees a newer one began
  var more = null; // shows the next results of the current search

  window.dwgkSearch = {
    index: function (d) { data.index = d; },
    shard: function (n, d) { data.shards[n] = d; },
    records: function (key, d) { data.records[key] = d; }
  };

  function load(url) {
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root + url;
        script.onload = resolve;
        script.onerror = function () {
          delete loading[url];
          reject(new Error(url));
        };
        document.head.appendChild(script);
      });
    }
    return loading[url];
  }

  // As dwgk/search.py: full-width ASCII to ASCII, A-Z to a-z, one character for one.
  function fold(text) {
    return text.replace(/[\uFF01-\uFF5E\u3000A-Z]/g, function (c) {
      var n = c.charCodeAt(0);
      if (n === 0x3000) {
        return " ";
      }
      if (n >= 0xFF01) {
        n -= 0xFEE0;
      }
      return String.fromCharCode(n >= 0x41 && n <= 0x5A ? n + 32 : n);
    });
  }

  function bigrams(term) {
    var found = [];
    (term.match(/[\p{L}\p{N}_]+/gu) || []).forEach(function (run) {
      var chars = Array.from(run);
      for (var i = 0; i + 1 < chars.length; i++) {
        var b = chars[i] + chars[i + 1];
        if (found.indexOf(b) < 0) {
          found.push(b);
        }
      }
    });
    return found;
  }

  // As dwgk/search.py's bucket(): the low byte of the second character's code point.
  function shardOf(bigram) {
    var chars = Array.from(bigram);
    return (chars[1].codePointAt(0) % data.index.buckets) % data.index.shards;
  }

  /* A notice's section of a shard, read once: {text: the bigrams of its pages' text, titles: the
     numbers of the pages whose titles hold each bigram of theirs}, or null when the shard has
     none of its bigrams. In the shard it is "the bigrams, two characters each" or, when some are
     in titles (those are not in the text), ["the bigrams", {"八项": [0, 9]}]. */
  function section(n, key) {
    var read = sections[n] || (sections[n] = {});
    if (!Object.prototype.hasOwnProperty.call(read, key)) {
      var shard = data.shards[n];
      var found = Object.prototype.hasOwnProperty.call(shard, key) ? shard[key] : null;
      if (found !== null) {
        var chars = Array.from(typeof found === "string" ? found : found[0]);
        var text = new Set();
        for (var i = 0; i + 1 < chars.length; i += 2) {
          text.add(chars[i] + chars[i + 1]);
        }
        found = {text: text, titles: typeof found === "string" ? {} : found[1]};
      }
      read[key] = found;
    }
    return read[key];
  }

  function parseTerms(query) {
    var terms = [];
    fold(query).split(/\s+/).forEach(function (t) {
      if (t && terms.indexOf(t) < 0) {
        terms.push(t);
      }
    });
    return terms;
  }

  /* The pages that may hold every bigram of the query, filtered and ranked: [{part, number, title}].
     A notice's section of a shard holds each bigram of its pages' text, and the numbers of the
     pages whose titles hold it: the pages whose titles hold every bigram come first (title:
     true), then every other page of the notices that hold them all, each in site order; the
     records then say which of them hold the query itself. */
  function candidates(grams, filters) {
    var titles = [];
    var bodies = [];
    data.index.parts.forEach(function (part, p) {
      if ((filters.unit && part.unit !== filters.unit) || (filters.round && part.round !== filters.round)) {
        return;
      }
      var inTitle = null; // the numbers of the pages whose titles hold every bigram so far
      var found = grams.every(function (b) {
        var found = section(shardOf(b), part.key);
        var numbers = found && Object.prototype.hasOwnProperty.call(found.titles, b) ? found.titles[b] : null;
        if (numbers === null) {
          if (!found || !found.text.has(b)) {
            return false;
          }
          numbers = [];
        }
        inTitle = inTitle === null ? numbers : inTitle.filter(function (n) { return numbers.indexOf(n) >= 0; });
        return true;
      });
      if (!found) {
        return;
      }
      for (var number = 0; number < part.statuses.length; number++) {
        if (filters.status && STATUSES[+part.statuses.charAt(number)] !== filters.status) {
          continue;
        }
        var title = inTitle.indexOf(number) >= 0;
        (title ? titles : bodies).push({part: p, number: number, title: title});
      }
    });
    return titles.concat(bodies);
  }

  function findRecord(candidate) {
    var part = data.index.parts[candidate.part];
    var records = data.records[part.key];
    for (var i = 0; i < records.docs.length; i++) {
      if (records.docs[i][0] === candidate.number) {
        return {part: part, records: records, doc: records.docs[i]};
      }
    }
    return null;
  }

  function contains(record, terms) {
    var title = fold(record.doc[1]);
    var text = fold(record.doc[6]);
    var context = fold(record.doc[7]);
    return terms.every(function (t) {
      return title.indexOf(t) >= 0 || text.indexOf(t) >= 0 || context.indexOf(t) >= 0;
    });
  }

  // The text as nodes, every occurrence of a term marked (<mark>).
  function marked(text, terms) {
    var folded = fold(text);
    var fragment = document.createDocumentFragment();
    var at = 0;
    while (at < text.length) {
      var next = -1;
      var length = 0;
      terms.forEach(function (t) {
        var i = folded.indexOf(t, at);
        if (i >= 0 && (next < 0 || i < next || (i === next && t.length > length))) {
          next = i;
          length = t.length;
        }
      });
      if (next < 0) {
        break;
      }
      fragment.appendChild(document.createTextNode(text.slice(at, next)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(next, next + length);
      fragment.appendChild(mark);
      at = next + length;
    }
    fragment.appendChild(document.createTextNode(text.slice(at)));
    return fragment;
  }

  function snippet(text, terms) {
    var folded = fold(text);
    var first = -1;
    terms.forEach(function (t) {
      var i = folded.indexOf(t);
      if (i >= 0 && (first < 0 || i < first)) {
        first = i;
      }
    });
    if (first < 0) {
      return text.slice(0, 100) + (text.length > 100 ? "……" : "");
    }
    var start = Math.max(0, first - 30);
    var end = Math.min(text.length, first + 90);
    return (start > 0 ? "……" : "") + text.slice(start, end) + (end < text.length ? "……" : "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function resultItem(record, terms) {
    var doc = record.doc;
    var item = element("li", "search-result");
    var heading = element("h2");
    var link = element("a");
    link.href = root + doc[2];
    link.appendChild(marked(doc[1], terms));
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = element("p", "search-meta");
    if (record.records.unit) {
      meta.appendChild(element("span", "", "单位：" + record.records.unit));
    }
    if (doc[0] !== 0 && record.part.key !== "") {
      meta.appendChild(element("span", "", "通报：" + record.records.title));
    }
    if (doc[4]) {
      meta.appendChild(element("span", "status status-" + STATUS_CLASSES[doc[4]], doc[4]));
    }
    item.appendChild(meta);
    var text = element("p", "search-snippet");
    text.appendChild(marked(snippet(doc[6], terms), terms));
    item.appendChild(text);
    if (doc[3]) {
      var anchor = element("p", "search-anchor");
      var to = element("a", "", "在通报全文中查看");
      to.href = root + doc[3];
      anchor.appendChild(to);
      item.appendChild(anchor);
    }
    return item;
  }

  function say(text) {
    document.getElementById("search-status-text").textContent = text;
  }

  function search(query, filters) {
    var mine = ++run;
    var list = document.getElementById("search-results");
    var moreLine = document.getElementById("search-more-line");
    list.textContent = "";
    moreLine.hidden = true;
    more = null;
    var terms = parseTerms(query);
    if (!terms.length) {
      say("");
      return Promise.resolve();
    }
    var grams = [];
    terms.forEach(function (t) {
      bigrams(t).forEach(function (b) {
        if (grams.indexOf(b) < 0) {
          grams.push(b);
        }
      });
    });
    if (!grams.length) {
      say("请至少输入两个相连的字（或字母、数字），如“八项规定”。");
      return Promise.resolve();
    }
    var shards = [];
    grams.forEach(function (b) {
      var n = shardOf(b);
      if (shards.indexOf(n) < 0) {
        shards.push(n);
      }
    });
    say("正在搜索……");
    return Promise.all(shards.map(function (n) { return load("assets/search/p-" + n + ".js"); })).then(function () {
      if (mine !== run) {
        return;
      }
      var pending = candidates(grams, filters);
      var shown = 0;
      var label = "“" + query.trim() + "”";

      function page() {
        var found = [];
        var size = PAGE;
        function step() {
          if (found.length >= PAGE || !pending.length) {
            return Promise.resolve();
          }
          // A notice's pages follow one another: when few of them hold the query, the next
          // batch takes more of them (up to 16 × PAGE pages at a time), so that few
          // round trips load many notices' records.
          var batch = pending.splice(0, size);
          size = Math.min(2 * size, 16 * PAGE);
          var urls = [];
          batch.forEach(function (c) {
            var url = data.index.parts[c.part].records;
            if (urls.indexOf(url) < 0) {
              urls.push(url);
            }
          });
          return Promise.all(urls.map(load)).then(function () {
            while (batch.length && found.length < PAGE) {
              var record = findRecord(batch.shift());
              if (record && contains(record, terms)) {
                found.push(record);
              }
            }
            pending = batch.concat(pending); // not yet checked: the next page starts with them
            return step();
          });
        }
        return step().then(function () {
          if (mine !== run) {
            return;
          }
          var first = null;
          found.forEach(function (record) {
            var item = resultItem(record, terms);
            first = first || item;
            list.appendChild(item);
          });
          shown += found.length;
          moreLine.hidden = !pending.length;
          if (!shown) {
            say(label + "：没有找到相关内容。请换个说法，或减少字数再试。");
          } else if (pending.length) {
            say(label + "：已显示 " + shown + " 条结果，还有更多。");
          } else {
            say(label + "：共找到 " + shown + " 条结果。");
          }
          return first;
        });
      }
      more = page;
      return page();
    }).catch(function () {
      if (mine === run) {
        say("搜索数据未能载入。请刷新网页再试；如果是直接打开的网页文件，请改用网站地址访问。");
      }
    });
  }

  function filtersOf(form) {
    return {status: form.status.value, unit: form.unit.value, round: form.round.value};
  }

  function fillFilter(select, values, line) {
    if (values.length < 2) {
      return;
    }
    values.forEach(function (v) {
      var option = element("option", "", v);
      option.value = v;
      select.appendChild(option);
    });
    document.getElementById(line).hidden = false;
  }

  function remember(form) {
    var params = new URLSearchParams();
    ["q", "status", "unit", "round"].forEach(function (name) {
      if (form[name].value) {
        params.set(name, form[name].value);
      }
    });
    try {
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    } catch (e) { /* file:// may refuse it: the results are shown all the same */ }
  }

  function start() {
    var form = document.getElementById("search-form");
    if (!form) {
      return;
    }
    var index = form.getAttribute("data-index");
    root = index.slice(0, index.length - "assets/search/index.js".length);
    say("");
    var params = new URLSearchParams(location.search);
    ["q", "status"].forEach(function (name) {
      form[name].value = params.get(name) || "";
    });
    var timer = null;
    function update() {
      clearTimeout(timer);
      remember(form);
      return search(form.q.value, filtersOf(form));
    }
    load("assets/search/index.js").then(function () {
      fillFilter(form.unit, data.index.units, "search-unit-filter");
      fillFilter(form.round, data.index.rounds, "search-round-filter");
      form.unit.value = params.get("unit") || "";
      form.round.value = params.get("round") || "";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        update();
      });
      form.q.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(update, 300);
      });
      [form.status, form.unit, form.round].forEach(function (select) {
        select.addEventListener("change", update);
      });
      document.getElementById("search-more").addEventListener("click", function () {
        if (more) {
          more().then(function (first) {
            if (first) {
              first.querySelector("a").focus();
            }
          });
        }
      });
      if (form.q.value) {
        search(form.q.value, filtersOf(form));
      }
    }, function () {
      say("搜索数据未能载入。请刷新网页再试；如果是直接打开的网页文件，请改用网站地址访问。");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
