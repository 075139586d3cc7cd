/// An SVG chart as the template draws it: shapes whose geometry is already computed, numbers already written
/// with fixed decimals, and text left raw for the template to escape.
///
/// The template reads view models by reflection, which sees stored properties only, so every flag a template
/// tests is a stored `let`.
struct Chart {
    /// Extra CSS class naming the kind of chart (`chart-categorical`, `chart-hour`, ...).
    let kind: String
    let title: String
    let caption: String
    let width: String
    let height: String
    /// Drawn first, under the grid: event bands, expected ranges, the map's sea.
    var underlay: [Shape.Rect] = []
    var rects: [Shape.Rect] = []
    var lines: [Shape.Line] = []
    var polylines: [Shape.Polyline] = []
    var circles: [Shape.Circle] = []
    var labels: [Shape.Label] = []
    var legend: [LegendEntry] = []

    init(kind: String, title: String, caption: String = "", width: Double, height: Double) {
        self.kind = kind
        self.title = title
        self.caption = caption
        self.width = Format.fixed(width, 0)
        self.height = Format.fixed(height, 0)
    }

    struct LegendEntry {
        let swatch: String
        let text: String
    }
}

/// The SVG primitives of a `Chart`; `tip` becomes the shape's `<title>` (a tooltip), none when empty.
enum Shape {
    struct Rect {
        let x: String, y: String, w: String, h: String
        let style: String
        let tip: String
        let hasTip: Bool

        init(x: Double, y: Double, w: Double, h: Double, style: String, tip: String = "") {
            self.x = Format.fixed(x, 2)
            self.y = Format.fixed(y, 2)
            self.w = Format.fixed(max(w, 0), 2)
            self.h = Format.fixed(max(h, 0), 2)
            self.style = style
            self.tip = tip
            hasTip = !tip.isEmpty
        }
    }

    struct Line {
        let x1: String, y1: String, x2: String, y2: String
        let style: String

        init(x1: Double, y1: Double, x2: Double, y2: Double, style: String) {
            self.x1 = Format.fixed(x1, 2)
            self.y1 = Format.fixed(y1, 2)
            self.x2 = Format.fixed(x2, 2)
            self.y2 = Format.fixed(y2, 2)
            self.style = style
        }
    }

    struct Polyline {
        let points: String
        let style: String

        init(_ points: [(Double, Double)], style: String) {
            self.points = points.map { Format.fixed($0.0, 2) + "," + Format.fixed($0.1, 2) }.joined(separator: " ")
            self.style = style
        }
    }

    struct Circle {
        let cx: String, cy: String, r: String
        let style: String
        let tip: String
        let hasTip: Bool

        init(cx: Double, cy: Double, r: Double, style: String, tip: String = "") {
            self.cx = Format.fixed(cx, 1)
            self.cy = Format.fixed(cy, 1)
            self.r = Format.fixed(r, 1)
            self.style = style
            self.tip = tip
            hasTip = !tip.isEmpty
        }
    }

    /// Text in the chart; `anchor` is `start`, `middle` or `end`, `rotate` degrees about (x, y).
    struct Label {
        let x: String, y: String
        let anchor: String
        let style: String
        let text: String
        let transform: String
        let isRotated: Bool

        init(x: Double, y: Double, _ text: String, anchor: String = "middle", style: String = "tick", rotate: Double = 0) {
            self.x = Format.fixed(x, 2)
            self.y = Format.fixed(y, 2)
            self.anchor = anchor
            self.style = style
            self.text = text
            transform = rotate == 0 ? "" : "rotate(\(Format.fixed(rotate, 0)) \(self.x) \(self.y))"
            isRotated = rotate != 0
        }
    }
}

/// Round axis ticks from 0 (or `low`) up to at least `high`: steps of 1, 2, 2.5 or 5 times a power of ten.
func niceTicks(low: Double = 0, high: Double, count: Int = 5) -> [Double] {
    let span = high - low
    guard span > 0, span.isFinite else { return [low, low + 1] }
    let rough = span / Double(max(count, 1))
    var power = 1.0
    while power * 10 <= rough { power *= 10 }
    while power > rough { power /= 10 }
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= rough } ?? power * 10
    let first = (low / step).rounded(.down) * step
    var ticks: [Double] = []
    var tick = first
    while ticks.last.map({ $0 < high }) ?? true {
        ticks.append(tick)
        tick = first + step * Double(ticks.count)
    }
    return ticks
}
