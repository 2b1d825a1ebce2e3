"""The measuring magics (%time, %%time, %timeit, %%timeit, %%compare,
%%scale, %%trace) through jupyter_client: their printed formats, the
figures in the execute_reply's metadata checked against what the cells
are known to cost (sleeps, counted work), and their charts, which must be
valid SVG and render in headless Chromium, with the same chart as a PNG and
as an HTML <img> of it (see check_png)."""

import base64
import html
import io

import os
import re
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import need, need_program
from helpers import execute, execute_ok, strip_ansi

MS = 1_000_000
IPY_TIME = r"[0-9.]+(?:e[+-]\d+)? (?:s|ms|µs|ns)"


def svg_of(r):
    """The one SVG chart a cell displayed, parsed, with its text fallback;
    its PNG and HTML are checked by check_png."""
    shown = [m for m in r.of_type("display_data") if "image/svg+xml" in m["content"]["data"]]
    assert len(shown) == 1, r.describe()
    data = shown[0]["content"]["data"]
    root = ET.fromstring(data["image/svg+xml"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert data["text/plain"].strip(), "no text fallback"
    check_png(data, shown[0]["content"]["metadata"], root)
    return data["image/svg+xml"], root, data["text/plain"], shown[0]["content"]["metadata"]


IMG = re.compile(
    r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)" alt="([^"]*)" title="([^"]*)">'
    r"\n<pre>([^<>]*)</pre>"
)


def check_png(data, metadata, root):
    """A chart carries the same picture as a PNG (base64, as Jupyter wants)
    drawn at twice its CSS size, that size in the metadata, and a text/html
    that is one <img> of that PNG with the chart's title as alt text and the
    text table as hover text: what exported HTML shows (nbconvert 6 strips
    inline SVG)."""
    Image = need("PIL.Image", "python3-pil")
    size = metadata["image/png"]
    w, h = size["width"], size["height"]
    assert (str(w), str(h)) == (root.get("width"), root.get("height")), (size, root.attrib)
    raw = base64.b64decode(data["image/png"], validate=True)
    img = Image.open(io.BytesIO(raw))
    assert img.format == "PNG" and img.size == (2 * w, 2 * h), (img.format, img.size, size)
    img.load()
    rgb = img.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 16)
    dark = sum(n for n, c in colours if sum(c) < 3 * 100)
    assert len(colours) > 20 and dark > 500, f"blank PNG: {len(colours)} colours, {dark} dark pixels"
    assert rgb.getpixel((16, 16)) == (255, 255, 255), "no white card"
    m = IMG.fullmatch(data["text/html"])
    assert m, data["text/html"][:300]
    assert m.group(1) == data["image/png"], "the <img> shows another PNG"
    assert (int(m.group(2)), int(m.group(3))) == (w, h), m.groups()[1:3]
    assert html.unescape(m.group(4)) == root.find("{http://www.w3.org/2000/svg}title").text
    assert html.unescape(m.group(5)) == data["text/plain"], "the <img> title is not the text table"
    assert html.unescape(m.group(6)) == data["text/plain"], "the table under the <img> is not the text table"


def svg_texts(root):
    return [t.text or "" for t in root.iter() if t.tag.endswith("}text") or t.tag.endswith("}title")]


def test_time_line_magic_prints_ipython_format(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "%time time.Sleep(120 * time.Millisecond)")
    out = r.user_stdout
    m = re.fullmatch(
        rf"CPU times: user ({IPY_TIME}), sys: ({IPY_TIME}), total: ({IPY_TIME})\nWall time: ({IPY_TIME})\n", out
    )
    assert m, out
    t = r.reply["metadata"]["time"]
    assert 120 * MS <= t["wall_ns"] < 2000 * MS, t
    assert t["user_ns"] + t["sys_ns"] < t["wall_ns"], t  # sleeping uses no CPU
    assert r.timing_lines == [], "measuring magics print their own numbers"


def test_time_cell_magic_times_the_whole_cell(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "%%time\nn := 0\nfor i := 0; i < 3_000_000; i++ {\n\tn += i % 7\n}\nfmt.Println(\"n =\", n)",
    )
    out = r.user_stdout
    assert out.startswith("n = 8999994\n"), out
    assert re.search(rf"^CPU times: user {IPY_TIME}, sys: {IPY_TIME}, total: {IPY_TIME}$", out, re.M), out
    assert re.search(rf"^Wall time: {IPY_TIME}$", out, re.M), out
    t = r.reply["metadata"]["time"]
    assert t["user_ns"] > 0 and t["wall_ns"] > 0, t


def test_timeit_format_loops_runs_and_setup_once(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "%%timeit -n 3 -r 4\n"
        "var calls int\n"
        "var slowSetup = func() int { time.Sleep(300 * time.Millisecond); return 1 }()\n"
        "calls += slowSetup\n"
        "time.Sleep(20 * time.Millisecond)\n"
        'fmt.Println("once")\n',
        timeout=60,
    )
    out = r.user_stdout
    assert out.count("once") == 1, out
    m = re.search(
        rf"^({IPY_TIME}) ± ({IPY_TIME}) per loop \(mean ± std\. dev\. of 4 runs, 3 loops each\)$", out, re.M
    )
    assert m, out
    t = r.reply["metadata"]["timeit"]
    assert t["loops"] == 3 and t["runs"] == 4 and len(t["samples_ns"]) == 4, t
    # Each loop sleeps 20 ms; the 300 ms declaration is not timed.
    assert 20 * MS <= t["mean_ns"] < 250 * MS, t
    assert t["best_ns"] <= t["mean_ns"] <= t["worst_ns"], t
    assert t["engine"] == "interp", t
    # The declarations stay in the session; the statements ran 1 + 3*4 times.
    r2 = execute_ok(kc, "calls")
    assert int(r2.result_text) == 13, r2.describe()


def test_timeit_chooses_loops_as_ipython(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "%%timeit -r 3\ns := 0\nfor i := 0; i < 2000; i++ {\n\ts += i\n}", timeout=90)
    t = r.reply["metadata"]["timeit"]
    loops = t["loops"]
    k = loops
    while k >= 10 and k % 10 == 0:
        k //= 10
    assert k in (1, 2, 5), t
    # The loop count is the first that makes a run last at least 0.2 s
    # (measured again in the runs: some slack for a busy machine).
    assert t["mean_ns"] * loops >= 100 * MS, t
    m = re.search(r"of 3 runs, ([0-9,]+) loops? each\)", r.user_stdout)
    assert m and int(m.group(1).replace(",", "")) == loops, r.user_stdout


def test_timeit_line_magic_and_native(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "func work() int {\n\ts := 0\n\tfor i := 0; i < 100000; i++ {\n\t\ts += i % 3\n\t}\n\treturn s\n}")
    r = execute_ok(kc, "%timeit -n 5 -r 2 work()")
    assert re.search(r"per loop \(mean ± std\. dev\. of 2 runs, 5 loops each\)", r.user_stdout), r.describe()
    interp = r.reply["metadata"]["timeit"]
    r = execute_ok(kc, "%%timeit -n 5 -r 2 --native\nwork()", timeout=180)
    native = r.reply["metadata"]["timeit"]
    assert native["engine"] == "native" and interp["engine"] == "interp", (native, interp)
    assert native["mean_ns"] < interp["mean_ns"], (native, interp)


def test_timeit_panic_keeps_the_session(fresh_kernel):
    km, kc = fresh_kernel
    r = execute(kc, "%%timeit -n 2 -r 2\nx := []int{1}\nif len(x) > 0 {\n\tpanic(\"boom\")\n}\n")
    assert r.status == "error", r.describe()
    e = r.error
    assert e["ename"] == "panic" and "boom" in e["evalue"], e
    tb = strip_ansi("\n".join(e["traceback"]))
    # The statements run in a function of the kernel's, and the interpreter
    # does not say which of a function's lines panicked (see README): the
    # trace names the cell's statements, no kernel names and no line.
    assert "in the cell's statements" in tb and "_gocurrent" not in tb and "_gocurrent" not in e["evalue"], tb
    assert "not on which of its lines" in tb, tb
    assert execute_ok(kc, "1 + 1").result_text == "2"


def test_compare_table_chart_and_figures(fresh_kernel):
    km, kc = fresh_kernel
    code = (
        "%%compare -r 3\n"
        "func nap() { time.Sleep(80 * time.Millisecond) }\n"
        "// --- one after another\n"
        "nap()\n"
        "nap()\n"
        'fmt.Println("sequential done")\n'
        "// --- two goroutines <&>\n"
        "var wg sync.WaitGroup\n"
        "for range 2 {\n"
        "\twg.Go(nap)\n"
        "}\n"
        "wg.Wait()\n"
    )
    r = execute_ok(kc, code, timeout=60)
    assert r.user_stdout.count("sequential done") == 1, r.user_stdout
    assert "── one after another ──" in r.user_stdout, r.user_stdout
    cmp = r.reply["metadata"]["compare"]
    v = cmp["variants"]
    assert [x["name"] for x in v] == ["one after another", "two goroutines <&>"], cmp
    assert cmp["runs"] == 3 and all(len(x["wall_ns"]) == 3 for x in v), cmp
    assert 160 * MS <= v[0]["median_wall_ns"] < 1000 * MS, v
    assert 80 * MS <= v[1]["median_wall_ns"] < 500 * MS, v
    assert v[0]["speedup"] == 1.0, v
    assert 1.4 <= v[1]["speedup"] <= 2.3, v
    svg, root, text, md = svg_of(r)
    assert md["gocurrent"]["compare"] == cmp
    for name in ("one after another", "two goroutines"):
        assert name in text, text
    texts = " ".join(svg_texts(root))
    assert "two goroutines <&>" in texts, texts  # escaped in the file, intact when parsed
    assert "<&>" not in svg
    assert "median wall time (ms)" in texts, texts
    # The exported page's image says the figures on hover: the table.
    assert "CPU" in text and "cores busy" in text, text


def test_compare_native_png(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "%%compare -r 1 --native\n// --- a\ntime.Sleep(30 * time.Millisecond)\n// --- b\ntime.Sleep(10 * time.Millisecond)\n",
        timeout=240,
    )
    assert r.reply["metadata"]["compare"]["engine"] == "native", r.reply["metadata"]
    svg, root, text, md = svg_of(r)  # checks the PNG and the <img>
    assert "native" in root.find("{http://www.w3.org/2000/svg}title").text


def test_compare_error_names_the_variant(fresh_kernel):
    km, kc = fresh_kernel
    r = execute(kc, "%%compare\n// --- good\nx := 1\n_ = x\n// --- bad\ny := undefinedThing + 1\n")
    assert r.status == "error", r.describe()
    e = r.error
    assert 'variant "bad"' in e["evalue"], e
    assert "cell line 6" in strip_ansi(e["evalue"] + "\n".join(e["traceback"])), e
    assert execute_ok(kc, "2 + 2").result_text == "4"


WORK = "func work(n int) int {\n\ts := 0\n\tfor i := 0; i < n; i++ {\n\t\ts += i % 7\n\t}\n\treturn s\n}\n"


def warning_lines(r):
    return [l for l in r.user_stdout.splitlines() if l.startswith("⚠ ")]


def test_compare_flags_a_speedup_beyond_the_cores(fresh_kernel):
    """Goroutines whose results nobody uses: compiled, their work is
    deleted, and the "speedup" goes far past the cores."""
    km, kc = fresh_kernel
    execute_ok(kc, WORK)
    code = (
        "%%compare -r 3 --native\n"
        "// --- one goroutine\n"
        "for range 4 {\n\twork(100_000_000)\n}\n"
        "// --- four goroutines\n"
        "var wg sync.WaitGroup\n"
        "for range 4 {\n\twg.Go(func() { work(100_000_000) })\n}\n"
        "wg.Wait()\n"
    )
    r = execute_ok(kc, code, timeout=240)
    cmp = r.reply["metadata"]["compare"]
    fast = cmp["variants"][1]
    assert fast["speedup"] > os.cpu_count(), cmp  # the premise: no work left in the goroutines
    assert "impossible speedup" in cmp["warning_kinds"], cmp
    lines = warning_lines(r)
    assert lines and len(lines) == len(cmp["warnings"]), r.user_stdout
    assert any('variant "four goroutines"' in l and "-gcflags=-m" in l for l in lines), lines


def test_compare_honest_io_speedup_is_not_flagged(fresh_kernel):
    km, kc = fresh_kernel
    code = (
        "%%compare -r 2\n"
        "// --- one after another\n"
        "for range 6 {\n\ttime.Sleep(30 * time.Millisecond)\n}\n"
        "// --- six goroutines\n"
        "var wg sync.WaitGroup\n"
        "for range 6 {\n\twg.Go(func() { time.Sleep(30 * time.Millisecond) })\n}\n"
        "wg.Wait()\n"
    )
    r = execute_ok(kc, code, timeout=60)
    cmp = r.reply["metadata"]["compare"]
    assert cmp["variants"][1]["speedup"] > os.cpu_count() + 1, cmp  # waiting overlaps beyond the cores
    assert cmp["warnings"] == [] and not warning_lines(r), (cmp, r.user_stdout)


def test_compare_flags_cpu_times_far_apart(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, WORK)
    code = "%%compare -r 1 --native{flags}\nvar sink int\n// --- small\nsink += work(50_000_000)\n// --- large\nsink += work(200_000_000)\n"
    r = execute_ok(kc, code.format(flags=""), timeout=240)
    cmp = r.reply["metadata"]["compare"]
    assert "cpu differs" in cmp["warning_kinds"], cmp
    assert any("--different-work" in l for l in warning_lines(r)), r.user_stdout
    r = execute_ok(kc, code.format(flags=" --different-work"), timeout=240)
    cmp = r.reply["metadata"]["compare"]
    assert cmp["different_work"] is True and cmp["warnings"] == [] and not warning_lines(r), cmp


def test_timeit_native_does_the_work_of_a_dropped_result(fresh_kernel):
    """%%timeit --native runs the statements inside testing.B's b.Loop, so
    a call whose result the cell drops still does its work: 100,000
    iterations cannot take under 10 µs."""
    km, kc = fresh_kernel
    execute_ok(kc, WORK)
    r = execute_ok(kc, "%%timeit -r 3 --native\nwork(100_000)", timeout=180)
    t = r.reply["metadata"]["timeit"]
    assert t["best_ns"] > 10_000, t
    assert t["warnings"] == [] and not warning_lines(r), t
    k = t["loops"]
    while k >= 10 and k % 10 == 0:
        k //= 10
    assert k in (1, 2, 5), t


def test_timeit_flags_a_time_per_loop_too_short_for_work(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "%%timeit -r 3 --native\nx := 3\n_ = x", timeout=180)
    t = r.reply["metadata"]["timeit"]
    assert t["warning_kinds"] == ["too short"], t
    assert re.search(r"^⚠ [01]\.\d+ ns per loop", r.user_stdout, re.M), r.user_stdout


def test_scale_goes_past_the_cores_by_default(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "%%scale -r 1\nx := 1\n_ = x\n", timeout=60)
    sc = r.reply["metadata"]["scale"]
    procs = [s["gomaxprocs"] for s in sc["settings"]]
    cores = os.cpu_count()
    assert procs[0] == 1 and cores in procs and max(procs) > cores, procs
    assert sc["warnings"] == [], sc
    svg, root, text, md = svg_of(r)  # checks the PNG and the <img>
    assert md["gocurrent"]["scale"] == sc


SPIN = (
    "var wg sync.WaitGroup\n"
    "for g := 0; g < 2; g++ {\n"
    "\twg.Add(1)\n"
    "\tgo func() {\n"
    "\t\tdefer wg.Done()\n"
    "\t\tx := 0\n"
    "\t\tfor i := 0; i < N; i++ {\n"
    "\t\t\tx += i % 7\n"
    "\t\t}\n"
    "\t\t_ = x\n"
    "\t}()\n"
    "}\n"
    "wg.Wait()\n"
)


def test_scale_native_gomaxprocs_figures(fresh_kernel):
    km, kc = fresh_kernel
    code = "%%scale -procs 1,2 -r 3 --native\nconst N = 150_000_000\nfmt.Println(runtime.GOMAXPROCS(0))\n" + SPIN
    r = execute_ok(kc, code, timeout=240)
    assert r.user_stdout.strip().splitlines()[0] == "1", r.user_stdout  # output of the first setting only
    sc = r.reply["metadata"]["scale"]
    assert sc["engine"] == "native" and sc["cores"] == os.cpu_count(), sc
    s1, s2 = sc["settings"]
    assert (s1["gomaxprocs"], s2["gomaxprocs"]) == (1, 2), sc
    assert s1["speedup"] == 1.0, sc
    # One P runs Go code on one core at a time, however busy the machine;
    # the work, and so the CPU time, is the same at each setting.
    assert s1["cores_busy"] <= 1.15, sc
    assert 0.5 <= s2["cpu_ns"] / s1["cpu_ns"] <= 2, sc
    assert abs(s2["speedup"] - s1["median_wall_ns"] / s2["median_wall_ns"]) < 0.002, sc
    svg, root, text, md = svg_of(r)
    texts = " ".join(svg_texts(root))
    assert "GOMAXPROCS" in texts and "ideal" in texts, texts
    assert f"{os.cpu_count()} cores" in text, text
    assert "CPU" in text and "cores busy" in text, text


def test_scale_interpreted_sets_gomaxprocs(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(kc, "%%scale -procs 2,1 -r 1\nfmt.Println(\"procs\", runtime.GOMAXPROCS(0))\n", timeout=60)
    assert "procs 2" in r.user_stdout and "procs 1" not in r.user_stdout, r.user_stdout
    sc = r.reply["metadata"]["scale"]
    assert [s["gomaxprocs"] for s in sc["settings"]] == [2, 1], sc
    # The session's GOMAXPROCS is back afterwards.
    assert execute_ok(kc, "runtime.GOMAXPROCS(0)").result_text == str(os.cpu_count())


TRACED = (
    "%%trace{flags}\n"
    "func burn(n int) int {{\n"
    "\ts := 0\n"
    "\tfor i := 0; i < n; i++ {{\n"
    "\t\ts += i % 3\n"
    "\t}}\n"
    "\treturn s\n"
    "}}\n"
    "results := make(chan int)\n"
    "for w := 0; w < 4; w++ {{\n"
    "\tgo func() {{ results <- burn({n}) }}()\n"
    "}}\n"
    "total := 0\n"
    "for range 4 {{\n"
    "\ttotal += <-results\n"
    "}}\n"
    "fmt.Println(total > 0)\n"
)


@pytest.mark.parametrize("flags,n", [("", 200_000), (" --native", 30_000_000)], ids=["interp", "native"])
def test_trace_timeline_names_the_cells_goroutines(fresh_kernel, flags, n):
    km, kc = fresh_kernel
    r = execute_ok(kc, TRACED.format(flags=flags, n=n), timeout=240)
    assert "true" in r.user_stdout, r.describe()
    tr = r.reply["metadata"]["trace"]
    assert tr["goroutines_created"] == 4, tr
    assert tr["procs"] == os.cpu_count(), tr
    assert 1 <= tr["max_running"] <= os.cpu_count(), tr
    assert tr["running_ns"] > 0 and tr["duration_ns"] > 0, tr
    svg, root, text, md = svg_of(r)
    titles = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("}title"))
    # Lanes name the goroutines by the go statement on line 11 of the cell.
    assert "cell line 11" in titles, titles[:3000]
    assert "P0" in " ".join(svg_texts(root))
    assert len(svg) < 2_000_000


@pytest.mark.parametrize("magic", ["time", "timeit", "compare", "scale", "trace"])
def test_measuring_magics_have_help(kernel, magic):
    km, kc = kernel
    r = execute_ok(kc, f"%%{magic} -h\n")
    assert f"%%{magic}" in r.user_stdout or f"%{magic}" in r.user_stdout, r.user_stdout
    assert "%%" + magic in execute_ok(kc, "%help").user_stdout


def test_bad_flags_are_magic_errors(kernel):
    km, kc = kernel
    r = execute(kc, "%%timeit -q 3\nx := 1\n_ = x")
    assert r.status == "error" and r.error["ename"] == "magic error", r.describe()
    assert "usage: %%timeit" in r.error["evalue"], r.error
    r = execute(kc, "%%scale -procs 0,2\nx := 1\n_ = x")
    assert r.status == "error" and "-procs" in r.error["evalue"], r.describe()


def test_interrupt_stops_timeit_and_keeps_the_session(fresh_kernel):
    km, kc = fresh_kernel
    execute_ok(kc, "kept := 41")
    threading.Timer(1.5, km.interrupt_kernel).start()
    r = execute(kc, "%%timeit -n 1 -r 1\nfor {\n}\n", timeout=60)
    assert r.status == "error" and r.error["ename"] == "interrupted", r.describe()
    assert execute_ok(kc, "kept + 1").result_text == "42"


def test_charts_render_in_headless_chromium(fresh_kernel, tmp_path):
    chromium = need_program("chromium", "chromium")
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "%%compare -r 1\n// --- a\ntime.Sleep(30 * time.Millisecond)\n// --- b\ntime.Sleep(10 * time.Millisecond)\n",
        timeout=60,
    )
    svg, root, text, md = svg_of(r)
    page = tmp_path / "chart.html"
    page.write_text("<!doctype html><body style='margin:0;background:#000'>" + svg + "</body>")
    png = tmp_path / "chart.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
         "--window-size=700,400", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    from PIL import Image  # python3-pil

    img = Image.open(png).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    # The chart draws its own light card, bars and text on the black page.
    light = sum(n for n, c in colours if sum(c) > 600)
    assert light > 700 * 400 * 0.2, "the chart's background did not render"
    assert len(colours) > 20, "nothing but flat colour rendered"


def test_trace_names_wg_go_goroutines_as_written(fresh_kernel):
    km, kc = fresh_kernel
    r = execute_ok(
        kc,
        "%%trace\nvar wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Go(func() { time.Sleep(5 * time.Millisecond) })\n}\nwg.Wait()\n",
        timeout=60,
    )
    svg, root, text, md = svg_of(r)
    assert "cell line 4: wg.Go(func() { time.Sleep(5 * time.Millisecond) })" in text, text
    assert "_gocurrent" not in svg and "_gocurrent" not in text
    assert r.reply["metadata"]["trace"]["goroutines_created"] == 3
