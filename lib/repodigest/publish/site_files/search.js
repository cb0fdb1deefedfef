/* repodigest's archive search: the query of search.html?q=... over each report's index (the scripts in
 * assets/search/ push them to window.repodigestShards; built by repodigest.publish.site_search). Every
 * word of the query must match the start of a word of the entry. A commit found in several reports is one
 * result that links each, in the order the page gives (its day first). Results are built with
 * createElement and textContent only: the documents are commit data, never markup. */
(function () {
  "use strict";
  var root = document.getElementById("search");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");
  if (!root || !window.lunr) {
    return;
  }
  var shards = (window.repodigestShards || []).map(function (shard) {
    return { index: lunr.Index.load(shard.index), docs: shard.docs, place: shard.place };
  });
  var separator = new RegExp(root.getAttribute("data-separator"));
  var cjk = new RegExp(root.getAttribute("data-cjk"), "g");
  var order = root.getAttribute("data-order").split(" ");
  // the index's own pipeline minus the trimmer (the separator has removed punctuation already)
  var pipeline = new lunr.Pipeline();
  pipeline.add(lunr.stopWordFilter, lunr.stemmer);
  var MAX = 200;

  function terms(query) {
    var out = [];
    query.replace(cjk, " $1 ").toLowerCase().split(separator).forEach(function (word) {
      if (word) {
        out = out.concat(pipeline.runString(word).filter(Boolean));
      }
    });
    return out;
  }

  function search(query) {
    var words = terms(query);
    var found = {};
    var results = [];
    if (!words.length) {
      return results;
    }
    shards.forEach(function (shard) {
      shard.index.query(function (q) {
        words.forEach(function (word) {
          q.term(word, {
            usePipeline: false,
            wildcard: lunr.Query.wildcard.TRAILING,
            presence: lunr.Query.presence.REQUIRED
          });
        });
      }).forEach(function (hit) {
        var doc = shard.docs[Number(hit.ref)];
        var key = doc.type === "commit" ? "commit " + doc.repo + " " + doc.sha : "report " + shard.place.report;
        var place = Object.assign({}, shard.place);
        if (doc.anchor) {
          place.href += "#" + doc.anchor;
        }
        var seen = found[key];
        if (!seen) {
          seen = found[key] = { doc: doc, score: hit.score, places: [] };
          results.push(seen);
        }
        seen.score = Math.max(seen.score, hit.score);
        seen.places.push(place);
      });
    });
    results.forEach(function (result) {
      result.places.sort(function (a, b) {
        return order.indexOf(a.kind) - order.indexOf(b.kind) || (a.report < b.report ? -1 : a.report > b.report ? 1 : 0);
      });
    });
    return results.sort(function (a, b) {
      var day = a.doc.day || a.places[0].day;
      var other = b.doc.day || b.places[0].day;
      return b.score - a.score || (day < other ? 1 : day > other ? -1 : 0);
    });
  }

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    node.textContent = value;
    return node;
  }

  function link(href, value) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.textContent = value;
    return a;
  }

  function item(result) {
    var doc = result.doc;
    var li = document.createElement("li");
    li.className = "result " + doc.type;
    var title = link(result.places[0].href, doc.title || doc.sha || result.places[0].label);
    title.className = "title";
    li.appendChild(title);
    if (doc.level) {
      li.appendChild(text("span", "level " + doc.level, root.getAttribute("data-level-" + doc.level) || doc.level));
    }
    var meta = [doc.repo, doc.sha, doc.author, doc.day].filter(Boolean).join(" · ");
    if (meta) {
      li.appendChild(text("div", "meta", meta));
    }
    if (doc.text) {
      li.appendChild(text("div", "text", doc.text));
    }
    var places = document.createElement("div");
    places.className = "in";
    places.appendChild(text("span", "muted", root.getAttribute("data-in") + " "));
    result.places.forEach(function (place, i) {
      if (i) {
        places.appendChild(document.createTextNode(" · "));
      }
      places.appendChild(link(place.href, place.label));
    });
    li.appendChild(places);
    return li;
  }

  function show(query) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    if (!query.trim()) {
      count.textContent = "";
      return;
    }
    var found = search(query);
    count.textContent = found.length
      ? root.getAttribute("data-count").replace("{count}", String(found.length))
      : root.getAttribute("data-none");
    found.slice(0, MAX).forEach(function (result) {
      list.appendChild(item(result));
    });
    if (found.length > MAX) {
      list.appendChild(text("li", "muted", root.getAttribute("data-more").replace("{count}", String(found.length - MAX))));
    }
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
  root.setAttribute("data-ready", "1");
})();
