/* repodigest's archive search: the query of search.html?q=... over the index that
 * assets/search-index.js sets (window.repodigestSearch, built by repodigest.publish.site_search).
 * Every word of the query must match the start of a word of the document. Results are built with
 * createElement and textContent only: the documents are commit data, never markup. */
(function () {
  "use strict";
  var data = window.repodigestSearch;
  var root = document.getElementById("search");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");
  if (!data || !root || !window.lunr) {
    return;
  }
  var index = data.index ? lunr.Index.load(data.index) : null; // null: no report yet
  var separator = new RegExp(data.separator);
  var cjk = new RegExp(data.cjk, "g");
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
    if (!words.length || !index) {
      return [];
    }
    return index.query(function (q) {
      words.forEach(function (word) {
        q.term(word, {
          usePipeline: false,
          wildcard: lunr.Query.wildcard.TRAILING,
          presence: lunr.Query.presence.REQUIRED
        });
      });
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

  function item(doc) {
    var li = document.createElement("li");
    li.className = "result " + doc.type;
    var first = doc["in"][0];
    var title = link(first.href, doc.title || doc.sha || first.report);
    title.className = "title";
    li.appendChild(title);
    var meta = [doc.repo, doc.sha, doc.author, doc.day].filter(Boolean).join(" · ");
    if (doc.level) {
      li.appendChild(text("span", "level " + doc.level, root.getAttribute("data-level-" + doc.level) || doc.level));
    }
    if (meta) {
      li.appendChild(text("div", "meta", meta));
    }
    if (doc.text) {
      li.appendChild(text("div", "text", doc.text));
    }
    var places = document.createElement("div");
    places.className = "in";
    places.appendChild(text("span", "muted", root.getAttribute("data-in") + " "));
    doc["in"].forEach(function (place, i) {
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
    found.slice(0, MAX).forEach(function (hit) {
      list.appendChild(item(data.docs[Number(hit.ref)]));
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
