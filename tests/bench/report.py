"""Turns results.json into the printed table, bench-results.md and the gnuplot chart.

Throughput of a target in a scenario is its best requests/s over the concurrency levels run.
Every run with a non-2xx response or a socket error is flagged where its figure appears.
Targets are judged as met/missed from the figures of this one run; nothing is adjusted.
"""

import os
import subprocess

BODIES = ("86KB", "small")
MODES = ("non-stream", "stream")
ORDER = ("direct", "nginx-hop", "ccproxy", "ccproxy-base", "ccproxy-failover", "ccr")

TARGET_HOP_RATIO = 0.5
TARGET_CCR_RATIO = 50.0
TARGET_ADDED_P99_MS = 1.0
TARGET_IDLE_USS_MB = 10.0
TARGET_SCALE_RSS_MB = 100.0


def mb(kb):
    return None if kb is None else kb / 1024.0


def fmt_num(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def fmt_ms(v):
    if v is None:
        return "n/a"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


class Data:
    def __init__(self, res):
        self.res = res
        self.targets = [t for name in ORDER for t in res["targets"] if t["name"] == name]
        self.names = [t["name"] for t in self.targets]
        self.conns = sorted({r["conns"] for r in res["runs"]})

    def run(self, target, body, mode, conns):
        for r in self.res["runs"]:
            if (r["target"], r["body"], r["mode"], r["conns"]) == (target, body, mode, conns):
                return r
        return None

    def best(self, target, body, mode):
        """(req/s, run) of the best concurrency level; runs with errors still count but are
        flagged by the caller."""
        runs = [r for r in self.res["runs"]
                if (r["target"], r["body"], r["mode"]) == (target, body, mode) and r["rps"]]
        if not runs:
            return None, None
        r = max(runs, key=lambda x: x["rps"])
        return r["rps"], r

    def errors_in(self, target, body, mode):
        return sum(r["errors"] for r in self.res["runs"]
                   if (r["target"], r["body"], r["mode"]) == (target, body, mode))


def throughput_table(d):
    head = "| body | mode | conns | " + " | ".join(
        f"{n} req/s (p50 / p99 ms)" for n in d.names) + " | load avg (1 min) |"
    lines = [head, "|" + "---|" * (4 + len(d.names))]
    for body in BODIES:
        for mode in MODES:
            for c in d.conns:
                cells, loads = [], []
                for n in d.names:
                    r = d.run(n, body, mode, c)
                    if r is None:
                        inv = next((t["invalid"].get(f"{body} {mode}") for t in d.targets
                                    if t["name"] == n), None)
                        cells.append("invalid response" if inv else "—")
                        continue
                    loads.append(r["load1"])
                    cell = (f"{fmt_num(r['rps'])} ({fmt_ms(r['p50_ms'])} / "
                            f"{fmt_ms(r['p99_ms'])})")
                    if r["errors"]:
                        cell += (f" **⚠ {r['non2xx']} non-2xx, {r['socket_errors']} socket "
                                 f"errors**")
                    cells.append(cell)
                load = (f"{min(loads):.2f}–{max(loads):.2f}" if loads else "")
                lines.append(f"| {body} | {mode} | {c} | " + " | ".join(cells) + f" | {load} |")
    return "\n".join(lines)


def ratio_rows(d):
    """Per scenario: best req/s per target and the two ratios."""
    rows = []
    for body in BODIES:
        for mode in MODES:
            best = {n: d.best(n, body, mode) for n in d.names}
            cp = best.get("ccproxy", (None, None))[0]
            hop = best.get("nginx-hop", (None, None))[0]
            ccr = best.get("ccr", (None, None))[0]
            base = best.get("ccproxy-base", (None, None))[0]
            rows.append({
                "body": body, "mode": mode,
                "best": {n: best[n][0] for n in d.names},
                "best_conns": {n: (best[n][1] or {}).get("conns") for n in d.names},
                "errors": {n: d.errors_in(n, body, mode) for n in d.names},
                "vs_hop": cp / hop if cp and hop else None,
                "vs_ccr": cp / ccr if cp and ccr else None,
                "vs_base": cp / base if cp and base else None,
            })
    return rows


def added_p99_rows(d, conns=16):
    rows = []
    for body in BODIES:
        for mode in MODES:
            direct = d.run("direct", body, mode, conns)
            row = {"body": body, "mode": mode, "direct": direct and direct["p99_ms"]}
            for n in ("nginx-hop", "ccproxy", "ccr"):
                r = d.run(n, body, mode, conns)
                row[n] = (r["p99_ms"] - direct["p99_ms"]
                          if r and direct and r["p99_ms"] is not None
                          and direct["p99_ms"] is not None else None)
            rows.append(row)
    return rows


def paced_rows(d):
    """Per scenario, at the paced load: each target's run and what each proxy adds to direct's
    p99 (medians over the rounds)."""
    paced = d.res.get("paced") or []

    def find(target, body, mode):
        return next((r for r in paced
                     if (r["target"], r["body"], r["mode"]) == (target, body, mode)), None)

    rows = []
    for body in BODIES:
        for mode in MODES:
            direct = find("direct", body, mode)
            row = {"body": body, "mode": mode, "direct": direct and direct["p99_ms"],
                   "runs": {}}
            for n in ("direct", "nginx-hop", "ccproxy", "ccproxy-base", "ccproxy-failover"):
                r = find(n, body, mode)
                row["runs"][n] = r
                if n != "direct":
                    row[n] = (r["p99_ms"] - direct["p99_ms"]
                              if r and direct and r["p99_ms"] is not None
                              and direct["p99_ms"] is not None else None)
            rows.append(row)
    return rows


def verdicts(d, ratios, added):
    out = []

    def add(name, ok, figure):
        out.append((name, "n/a" if ok is None else ("met" if ok else "**missed**"), figure))

    for r in ratios:
        if r["body"] != "86KB":
            continue
        err = r["errors"].get("ccproxy", 0)
        suffix = f" (⚠ {err} errors in ccproxy runs)" if err else ""
        v = r["vs_hop"]
        add(f"86 KB {r['mode']}: ccproxy ≥ 0.5× nginx hop throughput",
            None if v is None else (v >= TARGET_HOP_RATIO and not err),
            ("n/a" if v is None else f"{v:.2f}× ({fmt_num(r['best'].get('ccproxy'))} vs "
             f"{fmt_num(r['best'].get('nginx-hop'))} req/s)") + suffix)
        v = r["vs_ccr"]
        add(f"86 KB {r['mode']}: ccproxy ≥ 50× claude-code-router",
            None if v is None else (v >= TARGET_CCR_RATIO and not err),
            ("n/a (not measured)" if v is None else
             f"{v:.1f}× ({fmt_num(r['best'].get('ccproxy'))} vs "
             f"{fmt_num(r['best'].get('ccr'), 1)} req/s)") + suffix)
    pace = d.res["settings"].get("pace_ms")
    for r in added:
        v = r["ccproxy"]
        run = r["runs"]["ccproxy"]
        err = run["errors"] if run else 0
        add(f"{r['body']} {r['mode']}: p99 added over direct at 16 connections ≤ 1 ms "
            f"(paced, {pace} ms)",
            None if v is None else (v <= TARGET_ADDED_P99_MS and not err),
            ("n/a" if v is None else f"{v:+.2f} ms (direct p99 {fmt_ms(r['direct'])} ms, "
             f"ccproxy {fmt_ms(run['p99_ms'])} ms at {fmt_num(run['rps'])} req/s)")
            + (f" (⚠ {err} errors)" if err else ""))
    cp = next((t for t in d.targets if t["name"] == "ccproxy"), None)
    if cp:
        mem = cp.get("mem_idle_kb") or {}
        if mem.get("rss"):
            v = mb(mem["uss"])
            add("ccproxy idle private memory (USS) ≤ 10 MB", v <= TARGET_IDLE_USS_MB,
                f"{v:.1f} MB (PSS {mb(mem['pss']):.1f} MB, RSS {mb(mem['rss']):.1f} MB, which "
                "counts shared library pages whole)")
        else:  # results from before USS and PSS were read
            v = mb(cp["rss_idle_kb"])
            add("ccproxy idle RSS ≤ 10 MB", v <= TARGET_IDLE_USS_MB if v else None,
                f"{v:.1f} MB" if v else "n/a")
    for s in d.res["scale"]:
        if s["target"] != "ccproxy":
            continue
        rss = mb(s.get("rss_peak_kb"))
        ok = (s["errors"] == 0 and s["completed"] == s["clients"]
              and rss is not None and rss < TARGET_SCALE_RSS_MB)
        add(f"{s['clients']} concurrent streams ({s['body']} request): zero errors, RSS < 100 MB",
            ok, f"{s['completed']}/{s['clients']} completed, {s['errors']} errors, peak "
                f"{s.get('peak_concurrent')} open at once, RSS peak "
                f"{'n/a' if rss is None else f'{rss:.1f} MB'}")
    return out


def mem_cell(mem, rss_kb):
    """'USS / PSS / RSS' in MB; results from before USS and PSS were read show RSS alone."""
    if not mem or not mem.get("rss"):
        return f"— / — / {mb(rss_kb):.1f}"
    return f"{mb(mem['uss']):.1f} / {mb(mem['pss']):.1f} / {mb(mem['rss']):.1f}"


def scale_table(d):
    lines = ["| request | target | completed | errors | open at once (peak) | all sent after ms "
             "| TTFB p50 / p99 ms | first text delta p50 / p99 ms | stream length p50 s "
             "| peak USS / PSS / RSS MB | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in d.res["scale"]:
        errs = str(s["errors"]) if not s["errors"] else (
            f"**⚠ {s['errors']}** {s.get('error_kinds')}")
        t = s.get("ttfb_ms") or {}
        f = s.get("first_event_ms") or {}
        rss = s.get("rss_peak_kb")
        lines.append(
            f"| {s['body']} | {s['target']} | {s['completed']}/{s['clients']} | {errs} | "
            f"{s.get('peak_concurrent', 'n/a')} | {fmt_ms(s.get('ramp_ms'))} | {fmt_ms(t.get('p50'))} / {fmt_ms(t.get('p99'))}"
            f" | {fmt_ms(f.get('p50'))} / {fmt_ms(f.get('p99'))} | "
            f"{(s.get('stream_s') or {}).get('p50', 'n/a')} | "
            f"{'—' if rss is None else mem_cell(s.get('mem_peak_kb'), rss)} | {s['load1']:.2f} |")
    # Added latency: ccproxy minus direct, per body.
    added = []
    for body in ("small", "86KB"):
        dr = next((s for s in d.res["scale"] if s["body"] == body and s["target"] == "direct"),
                  None)
        cp = next((s for s in d.res["scale"] if s["body"] == body and s["target"] == "ccproxy"),
                  None)
        if not dr or not cp or not dr.get("ttfb_ms") or not cp.get("ttfb_ms"):
            continue
        parts = []
        for key, label in (("ttfb_ms", "TTFB"), ("first_event_ms", "first text delta")):
            a, b = cp[key], dr[key]
            if a.get("p50") is not None and b.get("p50") is not None:
                parts.append(f"{label} +{a['p50'] - b['p50']:.1f} ms p50, "
                             f"+{a['p99'] - b['p99']:.1f} ms p99")
        added.append(f"- {body} request, {cp['clients']} streams: added by ccproxy: "
                     + "; ".join(parts))
    return "\n".join(lines), added


def chart(d, ratios, path, machine, work_dir):
    dat = os.path.join(work_dir, "throughput.dat")
    with open(dat, "w") as f:
        f.write("# scenario " + " ".join(d.names) + "\n")
        for r in ratios:
            vals = [r["best"][n] for n in d.names]
            f.write(f'"{r["body"]} {r["mode"]}" ' + " ".join(
                "NaN" if v is None else f"{v:.1f}" for v in vals) + "\n")
    n = len(d.names)
    width = 1.0 / (n + 1)
    title = (f"Requests/s on loopback, best of {', '.join(map(str, d.conns))} connections "
             f"(higher is better)\\n{machine['date_utc']} · {machine['nproc']} × {machine['cpu']}"
             f" · Linux {machine['kernel']} · load avg {machine['loadavg_start']}")
    colors = ["#7f7f7f", "#1f77b4", "#2ca02c", "#d62728"]
    plots = []
    for i, name in enumerate(d.names):
        style = f'lc rgb "{colors[i % len(colors)]}"'
        plots.append(f"'{dat}' using {i + 2}:xtic(1) title '{name}' {style}")
    for i, name in enumerate(d.names):
        off = (i - (n - 1) / 2.0) * width
        c = f"${i + 2}"
        label = f"({c} >= 1000 ? sprintf('%.1fk', {c} / 1000.0) : sprintf('%.0f', {c}))"
        plots.append(f"'{dat}' using ($0{off:+.3f}):{i + 2}:{label} "
                     "with labels offset 0,0.7 font ',9' notitle")
    script = f"""
set terminal pngcairo size 1100,600 font "DejaVu Sans,11"
set output '{path}'
set title "{title}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1:*]
set format y "%.0s%c"
set ylabel "requests/s (log scale)"
set grid ytics mytics
set key outside right top
set xtics nomirror
set xrange [-0.6:{len(ratios) - 0.4}]
plot {', '.join(plots)}
"""
    gp = os.path.join(work_dir, "throughput.gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode != 0:
        return f"gnuplot failed: {p.stderr.strip()[:300]}"
    return None


def render(res, publish_dir, png_rel, work_dir):
    """Writes bench-results.md into publish_dir and the chart at publish_dir/png_rel."""
    d = Data(res)
    m = res["machine"]
    ratios = ratio_rows(d)
    added = added_p99_rows(d)
    paced = paced_rows(d)
    verdict = verdicts(d, ratios, paced)
    scale_md, scale_added = scale_table(d)
    st = res["settings"]

    png = os.path.join(publish_dir, png_rel)
    os.makedirs(os.path.dirname(png), exist_ok=True)
    chart_err = chart(d, ratios, png, m, work_dir)

    md = []
    md.append("# ccproxy benchmark results\n")
    md.append(f"Generated by `tests/bench/run.sh{' --quick' if res['quick'] else ''}` on "
              f"{m['date_utc']} (ccproxy {m['git']}).\n")
    md.append(f"- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux "
              f"{m['kernel']}")
    md.append(f"- Load average (1/5/15 min): {m['loadavg_start']} at start, "
              f"{m.get('loadavg_end', 'n/a')} at end; each figure below has the 1-minute load "
              "at the start of its run (the benchmark itself keeps both CPUs busy: ≈3)")
    md.append(f"- Tools: {m['nginx']}, {m['wrk']}, node {m['node']}")
    md.append(f"- Method: wrk, {st['duration_s']} s per point, connections "
              f"{', '.join(map(str, st['connections']))} (1 wrk thread at 1 connection, "
              f"{st['wrk_threads']} above), {st['warmup_s']} s warm-up per target and scenario; "
              f"requests: the Claude Code request ({st['fixture_bytes']:,} bytes, 25 tools) and a "
              f"small one-message request ({st['small_bytes']} bytes); the same bytes go to every "
              f"target; latency added is also measured paced: 16 connections each waiting "
              f"{st['pace_ms'] / 2:g}–{st['pace_ms'] * 1.5:g} ms between an answer and the next "
              f"request, {st['paced_rounds']} rounds of {st['paced_s']} s per target")
    md.append(f"- Upstream: nginx (1 worker) serving a JSON chat completion and a 50-chunk SSE "
              f"stream ({st['sse_bytes']:,} bytes: text deltas, a tool call in pieces, usage, "
              "[DONE]); every proxy and the hop run one process/event loop, all on loopback\n")
    md.append("Targets measured:\n")
    for t in d.targets:
        md.append(f"- **{t['name']}**: {t['note']}")
    for note in res["notes"]:
        md.append(f"- Note: {note}")
    md.append("")
    md.append(f"![requests per second per target]({png_rel})\n" if not chart_err else
              f"Chart not drawn: {chart_err}\n")

    md.append("## Targets\n")
    md.append("| target | result | measured |")
    md.append("|---|---|---|")
    for name, ok, fig in verdict:
        md.append(f"| {name} | {ok} | {fig} |")
    md.append("")

    md.append("## Throughput (best over the concurrency levels) and ratios\n")
    has_base = "ccproxy-base" in d.names
    md.append("| body | mode | " + " | ".join(f"{n} req/s" for n in d.names)
              + " | ccproxy / nginx-hop | ccproxy / ccr |"
              + (" ccproxy / ccproxy-base |" if has_base else ""))
    md.append("|---|---|" + "---|" * (len(d.names) + 2 + has_base))
    for r in ratios:
        cells = []
        for n in d.names:
            cell = fmt_num(r["best"][n], 1 if (r["best"][n] or 0) < 100 else 0)
            if r["best_conns"][n]:
                cell += f" @{r['best_conns'][n]}"
            if r["errors"][n]:
                cell += f" **⚠ {r['errors'][n]} errors**"
            cells.append(cell)
        md.append(f"| {r['body']} | {r['mode']} | " + " | ".join(cells) + " | "
                  + ("n/a" if r["vs_hop"] is None else f"{r['vs_hop']:.2f}×") + " | "
                  + ("n/a" if r["vs_ccr"] is None else f"{r['vs_ccr']:.1f}×") + " |"
                  + ((" n/a |" if r["vs_base"] is None else f" {r['vs_base']:.2f}× |")
                     if has_base else ""))
    md.append("")

    md.append(f"## p99 latency added over direct, 16 connections, paced ({st['pace_ms']} ms)\n")
    md.append(f"The same offered load for every target: each of 16 connections waits "
              f"{st['pace_ms'] / 2:g}–{st['pace_ms'] * 1.5:g} ms (at random) after an answer "
              f"before it sends its next request. The targets take turns over "
              f"{st['paced_rounds']} rounds of {st['paced_s']} s; each figure is the median over "
              "the rounds (every round's p99 is in `wrk-raw.txt`). claude-code-router is not run "
              "paced: it serves fewer requests than this load offers.\n")
    md.append("| body | mode | direct req/s | direct p50 / p99 ms | nginx-hop p50 / p99 ms "
              "| ccproxy p50 / p99 ms | nginx-hop added | ccproxy added | ccproxy p99 per round |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    for r in paced:
        def pair(run):
            if not run:
                return "n/a"
            cell = f"{fmt_ms(run['p50_ms'])} / {fmt_ms(run['p99_ms'])}"
            return cell + (f" **⚠ {run['errors']} errors**" if run["errors"] else "")

        def a(v):
            return "n/a" if v is None else f"{v:+.2f}"
        cp = r["runs"]["ccproxy"]
        rounds = ", ".join(fmt_ms(g["p99_ms"]) for g in cp["rounds"]) if cp else "n/a"
        dr = r["runs"]["direct"]
        md.append(f"| {r['body']} | {r['mode']} | {fmt_num(dr and dr['rps'])} | {pair(dr)} | "
                  f"{pair(r['runs']['nginx-hop'])} | {pair(cp)} | {a(r['nginx-hop'])} | "
                  f"{a(r['ccproxy'])} | {rounds} |")
    md.append("")

    if any(r["runs"].get("ccproxy-failover") for r in paced):
        md.append("## Failover: the first upstream of the pool refuses connections\n")
        md.append("`ccproxy-failover` serves the same profiles as a pool whose first upstream "
                  "refuses every connection (`cooldown_s = 0`, so requests keep trying it first) "
                  "and whose second is the upstream; paced like the table above. *Added* is "
                  "what the failed attempt costs over ccproxy with one upstream.\n")
        md.append("| body | mode | ccproxy p50 / p99 ms | failover p50 / p99 ms "
                  "| added p50 ms | added p99 ms | failover req/s |")
        md.append("|---|---|---|---|---|---|---|")
        for r in paced:
            cp, fo = r["runs"].get("ccproxy"), r["runs"].get("ccproxy-failover")
            if not cp or not fo:
                continue

            def diff(key):
                if cp[key] is None or fo[key] is None:
                    return "n/a"
                return f"{fo[key] - cp[key]:+.2f}"
            errors = f" **⚠ {fo['errors']} errors**" if fo["errors"] else ""
            md.append(f"| {r['body']} | {r['mode']} | {fmt_ms(cp['p50_ms'])} / "
                      f"{fmt_ms(cp['p99_ms'])} | {fmt_ms(fo['p50_ms'])} / {fmt_ms(fo['p99_ms'])}"
                      f"{errors} | {diff('p50_ms')} | {diff('p99_ms')} | {fmt_num(fo['rps'])} |")
        md.append("")

    md.append("## p99 latency added over direct, 16 connections, saturated (ms)\n")
    md.append("| body | mode | direct p99 | nginx-hop added | ccproxy added | ccr added |")
    md.append("|---|---|---|---|---|---|")
    for r in added:
        def a(v):
            return "n/a" if v is None else f"{v:+.2f}"
        md.append(f"| {r['body']} | {r['mode']} | {fmt_ms(r['direct'])} | {a(r['nginx-hop'])} "
                  f"| {a(r['ccproxy'])} | {a(r['ccr'])} |")
    md.append("\nThe runs of the throughput table: wrk is closed-loop, so at 16 connections "
              "every target runs at its own saturation throughput and its latency is mostly its "
              "queue (≈ 16 / req/s) and the scheduling of three busy processes on the CPUs; the "
              "target is judged on the paced runs above, where every target gets the same load."
              "\n")

    md.append("## All runs\n")
    md.append(throughput_table(d))
    md.append("")

    md.append("## Memory of the proxy process tree, MB\n")
    md.append("USS is the private memory (what stopping the proxy frees), PSS its fair share of "
              "the pages it shares with other processes (libraries, the page cache of its "
              "binary), RSS every resident page it maps, shared or not.\n")
    md.append("| target | idle USS / PSS / RSS | peak under load USS / PSS / RSS "
              "| after load USS / PSS / RSS |")
    md.append("|---|---|---|---|")
    for t in d.targets:
        md.append(f"| {t['name']} | {mem_cell(t.get('mem_idle_kb'), t['rss_idle_kb'])} | "
                  f"{mem_cell(t.get('mem_peak_kb'), t['rss_peak_kb'])} | "
                  f"{mem_cell(t.get('mem_after_kb'), t['rss_after_kb'])} |")
    md.append("\nccproxy and claude-code-router run one process per upstream variant (JSON, "
              "SSE); the figure is the larger one. direct is the upstream nginx itself. Peaks "
              "are sampled every 50 ms; each figure's peak is its own.")
    md.append("")

    md.append("## Scale: concurrent slow streams through one ccproxy worker\n")
    md.append(f"{st['scale_clients']} clients start evenly over {st['scale_ramp_s']} s, each on "
              f"its own connection, and stream the 50-chunk response, dripped by the upstream "
              f"(nginx limit_rate) over ≈{st['scale_stream_s']} s so that all streams are open "
              f"at once (\"open at once\" is the measured peak). TTFB = first response byte; first text delta = first "
              f"content event, both counted from the moment the client had sent its request "
              f"(\"all sent after\" is how long the one-process client took to open every "
              f"connection and send every request). ccproxy worker idle RSS before: "
              f"{mb(res.get('scale_idle_kb') or 0):.1f} MB, after: "
              f"{mb(res.get('scale_after_kb') or 0):.1f} MB.\n")
    md.append(scale_md)
    md.append("")
    md.extend(scale_added)
    md.append("")
    for t in d.targets:
        for k, v in t["invalid"].items():
            md.append(f"- **{t['name']} {k}: invalid response, not measured**: {v}")
    text = "\n".join(md) + "\n"

    md_path = os.path.join(publish_dir, "bench-results.md")
    with open(md_path, "w") as f:
        f.write(text)
    written = [md_path] + ([] if chart_err else [png])

    # Console: the summary tables.
    table = ["", f"ccproxy benchmark, {m['date_utc']}, {m['nproc']} × {m['cpu']}, load "
                 f"{m['loadavg_start']} -> {m.get('loadavg_end')}", ""]
    table.append(throughput_table(d))
    table.append("")
    for r in ratios:
        hop = "n/a" if r["vs_hop"] is None else f"{r['vs_hop']:.2f}"
        ccr = "n/a" if r["vs_ccr"] is None else f"{r['vs_ccr']:.1f}"
        bests = ", ".join(f"{n} {fmt_num(r['best'][n], 1)}" for n in d.names)
        table.append(f"{r['body']:5} {r['mode']:10} best req/s: {bests}; "
                     f"ccproxy/hop {hop}, ccproxy/ccr {ccr}")
    table.append("")
    table.append(scale_md)
    table.extend(scale_added)
    table.append("")
    for name, ok, fig in verdict:
        table.append(f"{ok.replace('*', ''):7} {name}: {fig}")
    missed = [name for name, ok, _ in verdict if "missed" in ok]
    return {"table": "\n".join(table), "written": written, "md_path": md_path,
            "missed": missed}
