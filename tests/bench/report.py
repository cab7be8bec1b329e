"""What the bench shows: an experiment's tables (terminal and markdown), its
targets met or not, its JSON, and its PNG plots drawn by gnuplot."""
import math
import os
import subprocess
import tempfile


def fmt(x, digits=2):
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, int):
        return str(x)
    return "%.*f" % (digits, x)


class Result:
    """One experiment's output."""

    def __init__(self, key, title):
        self.key, self.title = key, title
        self.tables = []   # (caption, header, rows, lines shown under it)
        self.targets = []  # {what, value, target, met}
        self.notes = []
        self.data = {}
        self.plots = []
        self.error = None

    def table(self, caption, header, rows, under=()):
        """A table; under: sentences shown right below it."""
        self.tables.append((caption, header, [[fmt(c) for c in r] for r in rows], list(under)))

    def target(self, what, value, op, limit, unit=""):
        """A target: value op limit (op "<=" or "<" or ">=")."""
        met = {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op] \
            if not (isinstance(value, float) and math.isnan(value)) else False
        self.targets.append({"what": what, "value": round(value, 4), "target": "%s %s%s" % (op, fmt(limit), unit),
                             "met": bool(met), "shown": "%s%s" % (fmt(value), unit)})

    def as_json(self):
        return {"experiment": self.key, "title": self.title, "notes": self.notes,
                "tables": [{"caption": c, "header": h, "rows": r, "under": u} for c, h, r, u in self.tables],
                "targets": self.targets, "data": self.data, "plots": self.plots,
                "error": self.error}


def text_table(header, rows):
    w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r))
    return "\n".join([line(header), "  ".join("-" * n for n in w)] + [line(r) for r in rows])


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def targets_rows(res):
    return [[t["what"], t["shown"], t["target"], "met" if t["met"] else "NOT MET"] for t in res.targets]


def show(res):
    """The experiment on the terminal."""
    print("\n=== %s ===" % res.title)
    for n in res.notes:
        print("note: " + n)
    if res.error:
        print("ERROR: " + res.error)
    for caption, header, rows, under in res.tables:
        print("\n" + caption)
        print(text_table(header, rows))
        for u in under:
            print(u)
    if res.targets:
        print("\ntargets")
        print(text_table(["target", "measured", "wanted", ""], targets_rows(res)))
    print(flush=True)


def markdown(res):
    out = ["## %s" % res.title, ""]
    out += ["- " + n for n in res.notes]
    if res.notes:
        out.append("")
    if res.error:
        out += ["**Error:** `%s`" % res.error, ""]
    for caption, header, rows, under in res.tables:
        out += ["**%s**" % caption, "", md_table(header, rows), ""]
        for u in under:
            out += [u, ""]
    if res.targets:
        out += ["**Targets**", "", md_table(["target", "measured", "wanted", ""], targets_rows(res)), ""]
    out += ["![%s](%s)" % (p, p) for p in res.plots]
    if res.plots:
        out.append("")
    return "\n".join(out)


# --- plots --------------------------------------------------------------------

def _gnuplot(png, script, data):
    """Runs gnuplot on script, with $data (a text block) defined first."""
    head = "set terminal pngcairo size 900,540 font 'Sans,10'\nset output '%s'\n" % png
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write(head)
        f.write("$data << EOD\n%s\nEOD\n" % data)
        f.write(script)
        name = f.name
    try:
        r = subprocess.run(["gnuplot", name], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("gnuplot %s: %s" % (os.path.basename(png), r.stderr.strip()[-300:]))
    finally:
        os.unlink(name)


def boxplot(res, outdir, name, title, ylabel, boxes, logscale=False):
    """Boxes of (label, summary): median line, quartile box, whiskers at
    min and max, as in a thesis' figures; p99 and p99.9 as marks when the
    summary has them."""
    if not boxes:
        return
    def opt(s, k):
        return "%g" % s[k] if k in s else "?"
    rows = ["%d %g %g %g %g %g \"%s\" %s %s" % (i + 1, s["min"], s["q1"], s["median"], s["q3"], s["max"], lab,
                                               opt(s, "p99"), opt(s, "p99.9"))
            for i, (lab, s) in enumerate(boxes)]
    marks = any("p99" in s for _, s in boxes)
    script = """set title "%s"
set ylabel "%s"
set grid ytics
set xrange [0.3:%g]
%s
set style fill solid 0.25 border -1
set boxwidth 0.5
set xtics rotate by -20
set datafile missing "?"
set key top right
plot $data using 1:3:2:6:5:xticlabels(7) with candlesticks whiskerbars 0.5 lc rgb '#3465a4' notitle, \\
     $data using 1:4:4:4:4 with candlesticks lt -1 lw 2 notitle%s
""" % (title, ylabel, len(boxes) + 0.7, "set logscale y" if logscale else "set yrange [0:*]",
       ", \\\n     $data using 1:8 with points pt 2 ps 1.2 lc rgb '#cc0000' title 'p99', "
       "\\\n     $data using 1:9 with points pt 8 ps 1.2 lc rgb '#cc0000' title 'p99.9'" if marks else "")
    png = os.path.join(outdir, name + ".png")
    _gnuplot(png, script, "\n".join(rows))
    res.plots.append(os.path.basename(png))


def lines(res, outdir, name, title, xlabel, ylabel, series, logscale=False):
    """One line per label of series {label: [(x, y), ...]}."""
    if not series:
        return
    blocks = []
    for lab, pts in series.items():
        blocks.append("\n".join("%g %g" % p for p in pts))
    data = "\n\n\n".join(blocks)
    plots = ", \\\n     ".join("$data index %d using 1:2 with points pt 7 ps 0.5 title '%s'" % (i, lab)
                                for i, lab in enumerate(series))
    script = """set title "%s"
set xlabel "%s"
set ylabel "%s"
set grid
set key top left
%s
plot %s
""" % (title, xlabel, ylabel, "set logscale y" if logscale else "set yrange [0:*]", plots)
    png = os.path.join(outdir, name + ".png")
    _gnuplot(png, script, data)
    res.plots.append(os.path.basename(png))


def bars(res, outdir, name, title, ylabel, groups, series):
    """Clustered bars: groups (x labels), series {label: [value per group]}."""
    if not groups or not series:
        return
    labs = list(series)
    rows = ["\"%s\" %s" % (g, " ".join("%g" % series[l][i] for l in labs)) for i, g in enumerate(groups)]
    plots = ", \\\n     ".join("$data using %d:xticlabels(1) title '%s'" % (i + 2, l) for i, l in enumerate(labs))
    script = """set title "%s"
set ylabel "%s"
set grid ytics
set yrange [0:*]
set style data histogram
set xtics rotate by -20
set style histogram clustered gap 1
set style fill solid 0.6 border -1
plot %s
""" % (title, ylabel, plots)
    png = os.path.join(outdir, name + ".png")
    _gnuplot(png, script, "\n".join(rows))
    res.plots.append(os.path.basename(png))
