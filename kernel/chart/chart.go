// Package chart draws bar charts and line charts for Jupyter display_data,
// and renders plain-text tables for the text/plain fallback.
//
// A chart is drawn once, as a picture (kernel/picture), and shown both as a
// standalone SVG document (image/svg+xml), with hover titles on its bars
// and points, and as a PNG image for the places that do not show SVG. The
// picture needs nothing from the page that shows it: no scripts, no style
// sheets, no external fonts or images. Every chart paints its own white
// background with dark text, so it reads the same in JupyterLab's light and
// dark themes, in the classic Notebook and in GitHub's notebook viewer, which
// all show it as an image. The first <title> of the SVG names the chart,
// and axes carry units with tick marks at "nice" values (1, 2 or 5 × 10^k).
package chart

// Bar is one bar of a bar chart.
type Bar struct {
	Label string  // left of the bar (variant name)
	Value float64 // length, in the chart's unit
	Text  string  // printed at the end of the bar (e.g. "1.21 s · 3.9× faster"); empty → the value formatted
	Note  string  // hover text (<title> inside the bar's <g>), optional

	// Second is drawn as a thinner bar in another colour under the bar
	// (e.g. CPU time beside wall time) when the chart has a SecondName.
	Second     float64
	SecondText string // printed at the end of the second bar; empty → Second formatted

	// Dots are single measurements (e.g. every run's wall time) drawn as
	// dots on the bar.
	Dots []float64
}

// BarChart is a horizontal bar chart.
type BarChart struct {
	Title  string
	XLabel string // axis label including the unit, e.g. "median wall time (ms)"
	Unit   string // unit of Value for tick labels, e.g. "ms" ("" for plain numbers, "×" for ratios)
	Bars   []Bar

	// ValueName, SecondName and DotsName name the bars, the second bars
	// and the dots in a legend under the title (e.g. "wall", "CPU",
	// "each run"). Second bars are drawn only when SecondName is set; the
	// legend only when SecondName or DotsName is.
	ValueName, SecondName, DotsName string

	// Warning, when set, is drawn under the title after a ⚠ sign on a
	// tinted band, e.g. "2 warnings: see below the chart".
	Warning string
}

// Series is one line of a line chart.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool // e.g. the ideal line
	Labels bool // print the Y value next to each point

	// Dots draws the points alone, without a line, as small rings:
	// single measurements around a line of medians. Points that share
	// an x are spread sideways, in order of y, so that none hides
	// another; the middle one stays on the x.
	Dots  bool
	Color string // "#rrggbb"; empty → the palette's colour at the series' index
}

// LineChart is an x/y chart with lines and points.
type LineChart struct {
	Title          string
	XLabel, YLabel string // with units
	Series         []Series
	XTicks         []float64 // if set, exactly these x ticks (e.g. GOMAXPROCS 1,2,4,8); else nice ticks
	VLine          float64   // if > 0, a vertical dotted marker at this x ...
	VLineLabel     string    // ... labelled above the plot, e.g. "2 cores"

	// HLine, if > 0, is a horizontal ceiling line at this y, labelled
	// with HLineLabel inside the plot where no point or line is.
	HLine      float64
	HLineLabel string

	// XNotes are figures written under the x tick labels, one per XTicks
	// entry (e.g. the cores busy at each GOMAXPROCS), captioned
	// XNotesLabel on the left.
	XNotes      []string
	XNotesLabel string

	// Warning, when set, is drawn under the title after a ⚠ sign on a
	// tinted band, e.g. "1 warning: see below the chart".
	Warning string

	// XUnit and YUnit are the units appended to tick labels and point
	// labels. When empty, a short unit in parentheses at the end of XLabel
	// or YLabel is used, so YLabel "speedup (×)" gives ticks "2×", "4×".
	XUnit, YUnit string
}

// Colours and fonts shared by all charts. They are fixed, not taken from the
// page, so that the image looks the same everywhere.
const (
	fontStack  = `-apple-system, BlinkMacSystemFont, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif`
	background = "#ffffff"
	border     = "#d0d7de"
	textColor  = "#1f2328"
	mutedColor = "#59636e"
	gridColor  = "#d8dee4"
	axisColor  = "#8c959f"
	warnFill   = "#fff8c5" // the band behind a warning
	warnText   = "#7d4e00" // 6.4:1 on warnFill
	warnBorder = "#d4a72c"

	defaultWidth = 640.0
	pad          = 16.0
	titleSize    = 16.0
	titleLine    = 22.0
	labelSize    = 13.0
	smallSize    = 12.0
	tickSize     = 11.0
)
