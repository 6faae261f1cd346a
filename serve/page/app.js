/*
 * app.js - the page of leadgate serve: the lists with their gate, the
 * jobs with their progress, a CSV uploaded as a new job and its results
 * downloaded, all through the same API as any other client, with the key
 * entered once (kept in sessionStorage: this tab only, never in a URL).
 * The lists and the jobs come a page at a time, as the API gives them:
 * the first page, and a "Show more" button under each table adds the
 * next.
 *
 * Data reaches the document only through textContent and attributes set
 * one by one, never through innerHTML: an address or a list name cannot
 * become markup.
 */
"use strict";

(function () {
	var KEY = "leadgate.key";
	var STATUSES = ["deliverable", "risky", "undeliverable", "unknown"];
	var POLL_ACTIVE_MS = 1000; /* while a job is queued or running */
	var POLL_IDLE_MS = 10000;
	var timer = null;
	var active = {}; /* job id -> true while queued or running */
	/* Rows a "Show more" adds: the API's own page sizes (GET /v1/lists,
	 * GET /v1/jobs without ?limit). */
	var STEP = {lists: 100, jobs: 50};
	var LIMIT_MAX = 1000; /* the most one page of either holds */
	var wanted = {lists: STEP.lists, jobs: STEP.jobs}; /* rows to show */

	function $(id) {
		return document.getElementById(id);
	}

	function cell(tr, text, cls) {
		var td = document.createElement("td");
		td.textContent = text === undefined || text === null ? "" : String(text);
		if (cls)
			td.className = cls;
		tr.appendChild(td);
		return td;
	}

	/* The errors shown, one a part of the page (the lists, the jobs, an
	 * upload ...): a part that works again takes its own away. */
	var errors = {};

	function showErrors() {
		var out = Object.keys(errors).map(function (k) {
			return errors[k];
		});
		$("error").textContent = out.join("\n");
	}

	function showError(text) {
		errors = text ? {page: text} : {};
		showErrors();
	}

	function clearError(where) {
		if (errors[where] !== undefined) {
			delete errors[where];
			showErrors();
		}
	}

	/* An error of the API: {"error": {"code", "message"}}, or whatever
	 * came instead (a proxy's page, a dropped connection). */
	function ApiError(status, code, message) {
		this.status = status;
		this.code = code;
		this.message = message;
	}

	function keyOf() {
		return sessionStorage.getItem(KEY);
	}

	/* Ask for the key (again), saying why when there is a reason. */
	function askKey(why) {
		stopPolling();
		sessionStorage.removeItem(KEY);
		$("app").hidden = true;
		$("forget").hidden = true;
		$("key").hidden = false;
		showError(why || "");
		$("key-input").value = "";
		$("key-input").focus();
	}

	/* fetch with the key; resolves to the Response when it is a 2xx,
	 * rejects with an ApiError otherwise (401: the key is asked again). */
	function api(method, path, body, type) {
		var used = keyOf();
		var headers = {Authorization: "Bearer " + used};
		if (type)
			headers["Content-Type"] = type;
		return fetch(path, {method: method, headers: headers, body: body, cache: "no-store"})
			.catch(function (e) {
				throw new ApiError(0, "network", "the service does not answer (" + e.message + ")");
			})
			.then(function (resp) {
				if (resp.ok)
					return resp;
				return resp.text().then(function (text) {
					var code = "http_" + resp.status, message = text.slice(0, 200);
					try {
						var e = JSON.parse(text).error;
						if (e && e.code) {
							code = e.code;
							message = e.message;
						}
					} catch (ignored) {
						/* not our JSON: the text as it came */
					}
					var err = new ApiError(resp.status, code, message);
					/* Only for the key in use: a request made with a key
					 * since replaced (the lists' and the jobs' requests
					 * of a refused key answer one after the other) must
					 * not turn away the key entered after it. */
					if (resp.status === 401 && used === keyOf())
						askKey("The key was refused (" + message + "): enter a key again.");
					throw err;
				});
			});
	}

	function apiJson(method, path, body, type) {
		return api(method, path, body, type).then(function (resp) {
			return resp.json();
		});
	}

	function report(where, e) {
		if (e instanceof ApiError) {
			if (e.status !== 401)
				errors[where] = where + ": " + e.message + " (" + e.code +
					(e.status ? ", HTTP " + e.status : "") + ")";
		} else {
			errors[where] = where + ": " + e;
		}
		showErrors();
	}

	/* ---- paging ---- */

	/*
	 * The first `want` items of a collection, read a page at a time after
	 * a cursor (page(after, limit) resolves to {items, next}: next the
	 * cursor of the page after, null when there is none).  Each page asks
	 * for one item past what is still wanted, so that a "Show more" shows
	 * only when there is more.  Resolves to {items, more}.
	 */
	function collect(page, want) {
		var items = [];

		function step(after) {
			var left = want - items.length;
			var limit = Math.min(LIMIT_MAX, left + 1);
			return page(after, limit).then(function (p) {
				items = items.concat(p.items.slice(0, left));
				if (p.items.length > left)
					return {items: items, more: true};
				if (p.next !== null && p.items.length === limit && items.length < want)
					return step(p.next);
				return {items: items, more: p.next !== null && p.items.length === limit};
			});
		}

		return step(null);
	}

	/* The "Show more" button of a table: shown while there is more. */
	function showMore(what, more, count) {
		var b = $(what + "-more");
		b.hidden = !more;
		b.textContent = "Show more " + what + " (" + count + " shown)";
	}

	/* ---- lists ---- */

	function listRow(l) {
		var tr = document.createElement("tr");
		tr.setAttribute("data-list", l.name);
		var by = l.by_status || {};
		cell(tr, l.name);
		/* The gate's decision as GET /v1/lists/NAME/gate gives it: the
		 * same object, built by the same code. */
		var g = l.gate || {};
		cell(tr, g.decision || "?", "gate gate-" + (g.decision || "unknown"));
		cell(tr, (g.why || g.reasons || []).join(", "));
		cell(tr, l.contacts, "num");
		STATUSES.forEach(function (s) {
			cell(tr, by[s] === undefined ? "" : by[s]).setAttribute("data-status", s);
		});
		cell(tr, l.exportable, "num");
		return tr;
	}

	/* A page of GET /v1/lists: the lists after a name, in name order. */
	function listsPage(after, limit) {
		var path = "/v1/lists?limit=" + limit + (after === null ? "" : "&after=" +
			encodeURIComponent(after));
		return apiJson("GET", path).then(function (data) {
			var lists = Array.isArray(data) ? data : data.lists || [];
			return {items: lists, next: lists.length ? lists[lists.length - 1].name : null};
		});
	}

	function loadLists() {
		return collect(listsPage, wanted.lists).then(function (got) {
			var body = $("lists-table").tBodies[0];
			body.replaceChildren.apply(body, got.items.map(listRow));
			$("lists-note").textContent = got.items.length ? "" : "No list yet.";
			showMore("lists", got.more, got.items.length);
			clearError("The lists");
		}).catch(function (e) {
			report("The lists", e);
			$("lists-note").textContent = "The lists could not be read.";
		});
	}

	/* ---- jobs ---- */

	function num(v) {
		return typeof v === "number" ? v : 0;
	}

	function jobActive(j) {
		return j.status === "queued" || j.status === "running";
	}

	function download(j, button) {
		button.disabled = true;
		api("GET", "/v1/jobs/" + encodeURIComponent(j.id) + "/results?format=csv")
			.then(function (resp) {
				return resp.blob();
			})
			.then(function (blob) {
				var a = document.createElement("a");
				a.href = URL.createObjectURL(blob);
				a.download = "leadgate-job-" + j.id + ".csv";
				document.body.appendChild(a);
				a.click();
				a.remove();
				setTimeout(function () {
					URL.revokeObjectURL(a.href);
				}, 60000);
			})
			.catch(function (e) {
				report("The results of job " + j.id, e);
			})
			.then(function () {
				button.disabled = false;
			});
	}

	function jobRow(j) {
		var tr = document.createElement("tr");
		tr.setAttribute("data-job", String(j.id));
		tr.setAttribute("data-state", j.status || "");
		cell(tr, j.id);
		cell(tr, j.list || "");
		cell(tr, j.status, "state state-" + j.status);

		var read = num(j.rows_read);
		var done = num(j.rows_done);
		var pct = typeof j.percent === "number" ? j.percent
			: read ? 100 * done / read : j.status === "done" ? 100 : 0;
		var td = cell(tr, "");
		var bar = document.createElement("progress");
		bar.max = 100;
		bar.value = Math.max(0, Math.min(100, pct));
		bar.setAttribute("aria-label", "job " + j.id + " progress");
		var text = document.createElement("span");
		text.className = "progress-text";
		text.textContent = " " + done + " of " + read + " rows (" + Math.floor(pct) + "%)" +
			(jobActive(j) && typeof j.eta === "number" ? ", about " + Math.ceil(j.eta) + " s left" : "");
		td.appendChild(bar);
		td.appendChild(text);

		var counts = j.counts || {};
		STATUSES.forEach(function (s) {
			cell(tr, num(counts[s])).setAttribute("data-status", s);
		});
		/* Rows with no address at all: apart, as verify's summary
		 * counts them. */
		cell(tr, num(counts.no_address)).setAttribute("data-status", "no_address");
		td = cell(tr, "");
		if (j.status === "done") {
			var b = document.createElement("button");
			b.type = "button";
			b.textContent = "Download CSV";
			b.setAttribute("aria-label", "Download the results of job " + j.id);
			b.addEventListener("click", function () {
				download(j, b);
			});
			td.appendChild(b);
		} else if (j.error) {
			td.textContent = j.error.message || String(j.error);
		}
		return tr;
	}

	/* A page of GET /v1/jobs: the jobs before an id, newest first. */
	function jobsPage(after, limit) {
		var path = "/v1/jobs?limit=" + limit + (after === null ? "" : "&after=" + after);
		return apiJson("GET", path).then(function (data) {
			var jobs = Array.isArray(data) ? data : data.jobs || [];
			var next = data.next === undefined ? null : data.next;
			return {items: jobs, next: next};
		});
	}

	function loadJobs() {
		return collect(jobsPage, wanted.jobs).then(function (got) {
			var jobs = got.items;
			var body = $("jobs-table").tBodies[0];
			var finished = false, now = {};
			jobs.forEach(function (j) {
				if (jobActive(j))
					now[j.id] = true;
				else if (active[j.id])
					finished = true;
			});
			active = now;
			body.replaceChildren.apply(body, jobs.map(jobRow));
			showMore("jobs", got.more, jobs.length);
			clearError("The jobs");
			/* A job that ended changed the lists' counts. */
			if (finished)
				loadLists();
			return Object.keys(active).length > 0;
		});
	}

	function stopPolling() {
		if (timer !== null)
			clearTimeout(timer);
		timer = null;
	}

	function poll() {
		stopPolling();
		loadJobs().then(function (busy) {
			if (keyOf())
				timer = setTimeout(poll, busy ? POLL_ACTIVE_MS : POLL_IDLE_MS);
		}, function (e) {
			report("The jobs", e);
			if (keyOf() && !(e instanceof ApiError && e.status === 401))
				timer = setTimeout(poll, POLL_IDLE_MS);
		});
	}

	function upload(ev) {
		ev.preventDefault();
		var file = $("upload-file").files[0];
		if (!file) {
			$("upload-note").textContent = "Choose a CSV file first.";
			$("upload-file").focus();
			return;
		}
		var list = $("upload-list").value.trim();
		var path = "/v1/jobs" + (list ? "?list=" + encodeURIComponent(list) : "");
		var button = ev.target.querySelector("button");
		button.disabled = true;
		$("upload-note").textContent = "Uploading " + file.name + "…";
		apiJson("POST", path, file, "text/csv")
			.then(function (j) {
				$("upload-note").textContent = "Job " + j.id + " " + j.status + ": " +
					file.name + (list ? " as list " + list : "") + ".";
				clearError("The upload of " + file.name);
				ev.target.reset();
				poll();
			})
			.catch(function (e) {
				$("upload-note").textContent = "The upload failed.";
				report("The upload of " + file.name, e);
			})
			.then(function () {
				button.disabled = false;
			});
	}

	/* ---- start ---- */

	function start() {
		$("key").hidden = true;
		$("app").hidden = false;
		$("forget").hidden = false;
		showError("");
		loadLists();
		poll();
	}

	document.addEventListener("DOMContentLoaded", function () {
		$("key-form").addEventListener("submit", function (ev) {
			ev.preventDefault();
			var k = $("key-input").value.trim();
			if (!k)
				return;
			sessionStorage.setItem(KEY, k);
			$("key-input").value = "";
			start();
			$("lists-title").focus();
		});
		$("forget").addEventListener("click", function () {
			askKey("");
		});
		$("upload-form").addEventListener("submit", upload);
		$("lists-more").addEventListener("click", function () {
			wanted.lists += STEP.lists;
			loadLists();
		});
		$("jobs-more").addEventListener("click", function () {
			wanted.jobs += STEP.jobs;
			poll();
		});
		if (keyOf())
			start();
		else
			askKey("");
	});
})();
