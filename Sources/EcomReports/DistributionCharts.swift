import EcomJSON
import Foundation

/// Turns one record type's `distributions` member into charts. Every chart has a bounded number of shapes
/// whatever the record count: categories, bins, days and points are capped (and folded or merged past the cap).
enum DistributionCharts {
    static let maxCategories = 30
    static let maxDays = 400
    static let maxBins = 60
    static let maxAmountCategories = 24
    static let maxPoints = 2000
    static let maxFunnelSteps = 20
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// The wide charts (splits, profiles, daily volume, map, funnel, fraud scores) and the small multiples
    /// (amount histograms) of one record type, in the order the page shows them.
    static func charts(for distribution: JSONValue) -> (wide: [Chart], small: [Chart]) {
        var wide: [Chart] = []
        for (name, split) in distribution["categorical"]?.objectValue ?? [] {
            if let chart = categorical(name: name, split: split) { wide.append(chart) }
        }
        if let hours = distribution["local_hour"], let chart = profile(
            kind: "chart-hour", title: "Local hour of day", value: hours,
            labels: (0..<24).map { $0 < 10 ? "0\($0)" : "\($0)" }, unit: "h")
        {
            wide.append(chart)
        }
        if let days = distribution["weekday"], let chart = profile(
            kind: "chart-weekday", title: "Day of week", value: days, labels: weekdays, unit: "")
        {
            wide.append(chart)
        }
        if let daily = distribution["daily"]?.arrayValue, let chart = dailyVolume(daily) { wide.append(chart) }
        if let sample = distribution["coordinates"]?["sample"]?.arrayValue, let chart = coordinates(sample) {
            wide.append(chart)
        }
        if let steps = distribution["funnel"]?["steps"]?.arrayValue, let chart = funnel(steps) { wide.append(chart) }
        if let fraud = distribution["fraud"], let chart = fraudScores(fraud) { wide.append(chart) }

        var small: [Chart] = []
        for (category, histogram) in (distribution["amounts"]?.objectValue ?? []).prefix(maxAmountCategories) {
            if let chart = amounts(category: category, histogram: histogram) { small.append(chart) }
        }
        return (wide, small)
    }

    // MARK: Categorical splits

    static func categorical(name: String, split: JSONValue) -> Chart? {
        var rows: [(name: String, count: Int64, expected: Double?)] = (split["counts"]?.objectValue ?? []).map {
            ($0.0, $0.1.intValue ?? Int64($0.1.doubleValue ?? 0), nil)
        }
        let expected = split["expected"]?.objectValue
        for (category, share) in expected ?? [] {
            if let index = rows.firstIndex(where: { $0.name == category }) {
                rows[index].expected = share.doubleValue
            } else {
                rows.append((category, 0, share.doubleValue))
            }
        }
        guard !rows.isEmpty else { return nil }
        let total = Double(rows.reduce(0) { $0 + $1.count })
        if rows.count > maxCategories {
            let kept = rows.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }
                .prefix(maxCategories - 1).sorted { $0.offset < $1.offset }.map(\.element)
            let folded = rows.count - kept.count
            let foldedCount = rows.reduce(0) { $0 + $1.count } - kept.reduce(0) { $0 + $1.count }
            let foldedExpected = expected == nil ? nil : (1 - kept.reduce(0) { $0 + ($1.expected ?? 0) })
            rows = kept + [("\(folded) others", foldedCount, foldedExpected)]
        }
        let hasExpected = expected != nil
        let share: (Int64) -> Double = { total > 0 ? Double($0) / total : 0 }
        let high = rows.map { max(share($0.count), $0.expected ?? 0) }.max() ?? 0
        let ticks = niceTicks(high: max(high, 0.01))
        let domain = ticks.last ?? 1
        let rowHeight = hasExpected ? 26.0 : 18.0
        let left = 170.0, top = 8.0, plotWidth = 420.0
        let plotHeight = rowHeight * Double(rows.count)
        var chart = Chart(kind: "chart-categorical", title: "Split: \(name)",
                          caption: "\(Format.integer(Int64(total))) values in \(rows.count) categories",
                          width: left + plotWidth + 90, height: top + plotHeight + 34)
        let x = { (value: Double) in left + value / domain * plotWidth }
        addShareAxis(&chart, ticks: ticks, x: x, left: left, top: top, plotHeight: plotHeight)
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let observed = share(row.count)
            var tip = "\(row.name): observed \(Format.percent(observed)) (\(Format.integer(row.count)))"
            if let expectedShare = row.expected { tip += ", expected \(Format.percent(expectedShare))" }
            chart.labels.append(.init(x: left - 8, y: y + rowHeight / 2 + 4, Format.truncated(row.name, 26),
                                      anchor: "end", style: "cat"))
            chart.rects.append(.init(x: left, y: y + 3, w: x(observed) - left, h: hasExpected ? 10 : 12,
                                     style: "obs", tip: tip))
            if let expectedShare = row.expected {
                chart.rects.append(.init(x: left, y: y + 14, w: x(expectedShare) - left, h: 8, style: "exp", tip: tip))
            }
            chart.labels.append(.init(x: x(max(observed, row.expected ?? 0)) + 5, y: y + 12,
                                      Format.percent(observed), anchor: "start", style: "value"))
        }
        chart.legend = [.init(swatch: "obs", text: "observed share")]
        if hasExpected { chart.legend.append(.init(swatch: "exp", text: "expected share")) }
        return chart
    }

    // MARK: Diff: a split in two reports

    /// The categories of one split comparison of `ecomdata diff` as paired bars, base over current, with the
    /// categories that moved beyond their tolerance marked; nil when it has none. Capped at ``maxCategories``
    /// (the largest kept, the rest folded).
    static func comparison(name: String, categories: [JSONValue]) -> Chart? {
        var rows: [(name: String, base: Double, current: Double, moved: Bool)] = categories.map {
            (Report.describe($0["name"]), $0["base"]?.doubleValue ?? 0, $0["current"]?.doubleValue ?? 0, $0["moved"]?.boolValue == true)
        }
        guard !rows.isEmpty else { return nil }
        let categoryCount = rows.count, moved = rows.filter(\.moved).count
        if rows.count > maxCategories {
            // The largest kept (moved ones first), the rest folded into one row, marked when any of them moved.
            let kept = rows.enumerated().sorted {
                ($1.element.moved ? 1 : 0, max($1.element.base, $1.element.current), $0.offset) < ($0.element.moved ? 1 : 0, max($0.element.base, $0.element.current), $1.offset)
            }
            let shown = kept.prefix(maxCategories - 1).sorted { $0.offset < $1.offset }.map(\.element)
            let foldedMoved = kept.dropFirst(maxCategories - 1).contains { $0.element.moved }
            rows = shown + [("\(categoryCount - shown.count) others", max(0, 1 - shown.reduce(0) { $0 + $1.base }),
                             max(0, 1 - shown.reduce(0) { $0 + $1.current }), foldedMoved)]
        }
        let high = rows.map { max($0.base, $0.current) }.max() ?? 0
        let ticks = niceTicks(high: max(high, 0.01))
        let domain = ticks.last ?? 1
        let rowHeight = 26.0, left = 170.0, top = 8.0, plotWidth = 420.0
        let plotHeight = rowHeight * Double(rows.count)
        var chart = Chart(kind: "chart-categorical", title: "Shares: \(name)",
                          caption: moved == 0 ? "\(categoryCount) categories, none moved beyond its tolerance"
                              : "\(categoryCount) categories, \(moved) moved beyond its tolerance (red)",
                          width: left + plotWidth + 90, height: top + plotHeight + 34)
        let x = { (value: Double) in left + value / domain * plotWidth }
        addShareAxis(&chart, ticks: ticks, x: x, left: left, top: top, plotHeight: plotHeight)
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let tip = "\(row.name): base \(Format.percent(row.base, 2)), current \(Format.percent(row.current, 2))\(row.moved ? ", moved" : "")"
            chart.labels.append(.init(x: left - 8, y: y + rowHeight / 2 + 4, Format.truncated(row.name, 26), anchor: "end",
                                      style: row.moved ? "cat moved" : "cat"))
            chart.rects.append(.init(x: left, y: y + 3, w: x(row.base) - left, h: 9, style: "exp", tip: tip))
            chart.rects.append(.init(x: left, y: y + 13, w: x(row.current) - left, h: 9, style: row.moved ? "obs moved" : "obs", tip: tip))
            chart.labels.append(.init(x: x(max(row.base, row.current)) + 5, y: y + 16, Format.percent(row.current), anchor: "start",
                                      style: "value"))
        }
        chart.legend = [.init(swatch: "exp", text: "base share"), .init(swatch: "obs", text: "current share")]
        return chart
    }

    /// The horizontal share axis of a bar chart of categories: a grid line with its percent label at each tick, and
    /// the axis at `left`.
    private static func addShareAxis(_ chart: inout Chart, ticks: [Double], x: (Double) -> Double, left: Double, top: Double,
                                     plotHeight: Double)
    {
        let digits = percentDigits(ticks)
        for tick in ticks {
            chart.lines.append(.init(x1: x(tick), y1: top, x2: x(tick), y2: top + plotHeight, style: "grid"))
            chart.labels.append(.init(x: x(tick), y: top + plotHeight + 16, Format.percent(tick, digits)))
        }
        chart.lines.append(.init(x1: left, y1: top, x2: left, y2: top + plotHeight, style: "axis"))
    }

    // MARK: Hour and weekday profiles

    static func profile(kind: String, title: String, value: JSONValue, labels: [String], unit: String) -> Chart? {
        let counts = (value["counts"]?.arrayValue ?? []).prefix(labels.count).map { $0.doubleValue ?? 0 }
        guard counts.count == labels.count else { return nil }
        let expected = value["expected"]?.arrayValue.map { $0.prefix(labels.count).map { $0.doubleValue ?? 0 } }
            .flatMap { $0.count == labels.count ? $0 : nil }
        let total = counts.reduce(0, +)
        let shares = counts.map { total > 0 ? $0 / total : 0 }
        let ticks = niceTicks(high: max((shares + (expected ?? [])).max() ?? 0, 0.01), count: 4)
        let domain = ticks.last ?? 1
        let left = 56.0, top = 12.0, plotWidth = 600.0, plotHeight = 150.0
        var caption = "\(Format.integer(Int64(total))) records"
        if let expected {
            let differences = zip(shares, expected).map { abs($0 - $1) }
            if let worst = differences.indices.max(by: { differences[$0] < differences[$1] }) {
                caption += "; largest difference from expected: \(Format.fixed(differences[worst] * 100, 2)) "
                    + "percentage points at \(labels[worst])\(unit)"
            }
        }
        var chart = Chart(kind: kind, title: title, caption: caption, width: left + plotWidth + 16,
                          height: top + plotHeight + 34)
        let y = { (share: Double) in top + plotHeight - share / domain * plotHeight }
        addYAxis(&chart, ticks: ticks, left: left, right: left + plotWidth, y: y) { Format.percent($0, percentDigits(ticks)) }
        let band = plotWidth / Double(labels.count)
        for (index, share) in shares.enumerated() {
            let x = left + band * Double(index)
            var tip = "\(labels[index])\(unit): observed \(Format.percent(share, 2)) (\(Format.integer(Int64(counts[index]))))"
            if let expected { tip += ", expected \(Format.percent(expected[index], 2))" }
            chart.rects.append(.init(x: x + band * 0.15, y: y(share), w: band * 0.7, h: y(0) - y(share), style: "obs", tip: tip))
            chart.labels.append(.init(x: x + band / 2, y: top + plotHeight + 16, labels[index]))
        }
        if let expected {
            let points = expected.enumerated().map { (left + band * (Double($0.offset) + 0.5), y($0.element)) }
            chart.polylines.append(.init(points, style: "exp-line"))
            for point in points { chart.circles.append(.init(cx: point.0, cy: point.1, r: 2.5, style: "exp-dot")) }
            chart.legend = [.init(swatch: "obs", text: "observed share"), .init(swatch: "exp-line", text: "expected share")]
        }
        return chart
    }

    // MARK: Daily volume

    static func dailyVolume(_ days: [JSONValue]) -> Chart? {
        var entries: [(date: String, count: Double, event: String?)] = days.map {
            ($0["date"]?.stringValue ?? "?", $0["count"]?.doubleValue ?? 0, $0["event"]?.stringValue)
        }
        guard !entries.isEmpty else { return nil }
        let perBar = (entries.count + maxDays - 1) / maxDays
        if perBar > 1 {
            entries = stride(from: 0, to: entries.count, by: perBar).map { start in
                let bucket = entries[start..<min(start + perBar, entries.count)]
                return (bucket.first!.date, bucket.reduce(0) { $0 + $1.count }, bucket.first { $0.event != nil }?.event)
            }
        }
        let total = entries.reduce(0) { $0 + $1.count }
        let ticks = niceTicks(high: max(entries.map(\.count).max() ?? 0, 1), count: 4)
        let domain = ticks.last ?? 1
        let left = 56.0, top = 30.0, plotWidth = 600.0, plotHeight = 150.0
        let eventNames = entries.compactMap(\.event).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var caption = "\(days.count) days, \(Format.integer(Int64(total))) records"
        if perBar > 1 { caption += ", \(perBar) days per bar" }
        if !eventNames.isEmpty { caption += "; seasonal events shaded: " + eventNames.joined(separator: ", ") }
        var chart = Chart(kind: "chart-daily", title: "Daily volume", caption: caption, width: left + plotWidth + 16,
                          height: top + plotHeight + 36)
        let band = plotWidth / Double(entries.count)
        let y = { (count: Double) in top + plotHeight - count / domain * plotHeight }

        var index = 0
        var lastLabelEnd = -Double.infinity
        var row = 0
        while index < entries.count {
            guard let event = entries[index].event else { index += 1; continue }
            var end = index
            while end + 1 < entries.count, entries[end + 1].event == event { end += 1 }
            let x = left + band * Double(index)
            let tip = "\(event): \(entries[index].date) to \(entries[end].date)"
            chart.underlay.append(.init(x: x, y: top, w: band * Double(end - index + 1), h: plotHeight, style: "event", tip: tip))
            row = x < lastLabelEnd ? 1 - row : 0
            let text = Format.truncated(event, 28)
            chart.labels.append(.init(x: x, y: top - 6 - Double(row) * 12, text, anchor: "start", style: "event-label"))
            lastLabelEnd = max(lastLabelEnd, x + Double(text.count) * 6.5)
            index = end + 1
        }
        addYAxis(&chart, ticks: ticks, left: left, right: left + plotWidth, y: y, format: Format.compact)
        for (offset, entry) in entries.enumerated() {
            var tip = "\(entry.date): \(Format.integer(Int64(entry.count)))"
            if let event = entry.event { tip += " (\(event))" }
            chart.rects.append(.init(x: left + band * Double(offset) + band * 0.1, y: y(entry.count), w: band * 0.8,
                                     h: y(0) - y(entry.count), style: entry.event == nil ? "obs" : "obs in-event", tip: tip))
        }
        let labelEvery = max(1, (entries.count + 6) / 7)
        for offset in stride(from: 0, to: entries.count, by: labelEvery) {
            chart.labels.append(.init(x: left + band * (Double(offset) + 0.5), y: top + plotHeight + 16, entries[offset].date))
        }
        return chart
    }

    // MARK: Amounts

    static func amounts(category: String, histogram: JSONValue) -> Chart? {
        var edges = (histogram["edges"]?.arrayValue ?? []).compactMap(\.doubleValue)
        var counts = (histogram["counts"]?.arrayValue ?? []).compactMap(\.doubleValue)
        guard edges.count >= 2, !counts.isEmpty else { return nil }
        counts = Array(counts.prefix(edges.count - 1))
        edges = Array(edges.prefix(counts.count + 1))
        if counts.count > maxBins {
            let factor = (counts.count + maxBins - 1) / maxBins
            counts = stride(from: 0, to: counts.count, by: factor).map { counts[$0..<min($0 + factor, counts.count)].reduce(0, +) }
            edges = stride(from: 0, to: edges.count - 1, by: factor).map { edges[$0] } + [edges.last!]
        }
        let range = histogram["expected_range"]?.arrayValue.flatMap { values -> (Double, Double)? in
            guard values.count == 2, let low = values[0].doubleValue, let high = values[1].doubleValue else { return nil }
            return (low, high)
        }
        let low = min(edges.first!, range?.0 ?? edges.first!)
        let high = max(edges.last!, range?.1 ?? edges.last!)
        guard high > low else { return nil }
        let left = 46.0, top = 10.0, plotWidth = 270.0, plotHeight = 110.0
        var caption = "min \(Report.describe(histogram["min"])) · max \(Report.describe(histogram["max"]))"
        if let range {
            let outside = zip(counts.indices, counts).filter { edges[$0.0 + 1] <= range.0 || edges[$0.0] >= range.1 }
                .reduce(0) { $0 + $1.1 }
            caption += " · expected \(Format.number(range.0))–\(Format.number(range.1))"
            if outside > 0 { caption += " · \(Format.integer(Int64(outside))) in bins outside it" }
        }
        var chart = Chart(kind: "chart-amounts", title: category, caption: caption, width: left + plotWidth + 14,
                          height: top + plotHeight + 32)
        let x = { (amount: Double) in left + (amount - low) / (high - low) * plotWidth }
        let yTicks = niceTicks(high: max(counts.max() ?? 0, 1), count: 3)
        let yDomain = yTicks.last ?? 1
        let y = { (count: Double) in top + plotHeight - count / yDomain * plotHeight }
        if let range {
            chart.underlay.append(.init(x: x(range.0), y: top, w: x(range.1) - x(range.0), h: plotHeight, style: "range",
                                     tip: "expected price range \(Format.number(range.0))–\(Format.number(range.1))"))
            for edge in [range.0, range.1] {
                chart.lines.append(.init(x1: x(edge), y1: top, x2: x(edge), y2: top + plotHeight, style: "range-edge"))
            }
        }
        addYAxis(&chart, ticks: yTicks, left: left, right: left + plotWidth, y: y, format: Format.compact)
        for (index, count) in counts.enumerated() {
            let x0 = x(edges[index]), x1 = x(edges[index + 1])
            chart.rects.append(.init(x: x0 + 0.5, y: y(count), w: x1 - x0 - 1, h: y(0) - y(count), style: "obs",
                                     tip: "\(Format.number(edges[index]))–\(Format.number(edges[index + 1])): \(Format.integer(Int64(count)))"))
        }
        for tick in niceTicks(low: low, high: high, count: 4) where tick >= low && tick <= high {
            chart.labels.append(.init(x: x(tick), y: top + plotHeight + 15, Format.compact(tick)))
        }
        return chart
    }

    // MARK: Coordinates

    static func coordinates(_ sample: [JSONValue]) -> Chart? {
        guard !sample.isEmpty else { return nil }
        let points = sample.prefix(maxPoints)
        let scale = 2.0, left = 44.0, top = 10.0
        let plotWidth = 360 * scale, plotHeight = 180 * scale
        var drawn: [(lat: Double, lon: Double, fraud: Bool)] = []
        var invalid = 0
        for point in points {
            guard let lat = point[0]?.doubleValue, let lon = point[1]?.doubleValue, lat.isFinite, lon.isFinite,
                  abs(lat) <= 90, abs(lon) <= 180
            else { invalid += 1; continue }
            let flag = point[2]
            drawn.append((lat, lon, flag?.boolValue ?? ((flag?.intValue ?? 0) != 0)))
        }
        let fraudCount = drawn.filter(\.fraud).count
        var caption = "\(Format.integer(Int64(drawn.count))) points of a deterministic sample, \(Format.integer(Int64(fraudCount))) fraudulent"
        if sample.count > maxPoints { caption += "; \(Format.integer(Int64(sample.count - maxPoints))) beyond \(maxPoints) not drawn" }
        if invalid > 0 { caption += "; \(invalid) outside valid latitude/longitude not drawn" }
        var chart = Chart(kind: "chart-map", title: "Coordinates (equirectangular)", caption: caption,
                          width: left + plotWidth + 24, height: top + plotHeight + 30)
        let x = { (lon: Double) in left + (lon + 180) * scale }
        let y = { (lat: Double) in top + (90 - lat) * scale }
        chart.underlay.append(.init(x: left, y: top, w: plotWidth, h: plotHeight, style: "sea"))
        for lon in stride(from: -180.0, through: 180, by: 30) {
            chart.lines.append(.init(x1: x(lon), y1: top, x2: x(lon), y2: top + plotHeight, style: lon == 0 ? "graticule major" : "graticule"))
            if Int(lon) % 60 == 0 { chart.labels.append(.init(x: x(lon), y: top + plotHeight + 16, degrees(lon, "E", "W"))) }
        }
        for lat in stride(from: -90.0, through: 90, by: 30) {
            chart.lines.append(.init(x1: left, y1: y(lat), x2: left + plotWidth, y2: y(lat), style: lat == 0 ? "graticule major" : "graticule"))
            chart.labels.append(.init(x: left - 6, y: y(lat) + 4, degrees(lat, "N", "S"), anchor: "end"))
        }
        for point in drawn where !point.fraud {
            chart.circles.append(.init(cx: x(point.lon), cy: y(point.lat), r: 1.6, style: "pt"))
        }
        for point in drawn where point.fraud {
            chart.circles.append(.init(cx: x(point.lon), cy: y(point.lat), r: 2.4, style: "pt fraud",
                                       tip: "fraud at \(Format.fixed(point.lat, 3)), \(Format.fixed(point.lon, 3))"))
        }
        chart.legend = [.init(swatch: "pt", text: "legitimate"), .init(swatch: "fraud", text: "fraudulent")]
        return chart
    }

    private static func degrees(_ value: Double, _ positive: String, _ negative: String) -> String {
        value == 0 ? "0°" : "\(Format.fixed(abs(value), 0))°\(value > 0 ? positive : negative)"
    }

    // MARK: Funnel

    static func funnel(_ steps: [JSONValue]) -> Chart? {
        let rows = steps.prefix(maxFunnelSteps).map { ($0["name"]?.stringValue ?? "?", $0["sessions"]?.doubleValue ?? 0) }
        guard let first = rows.first?.1 else { return nil }
        let left = 170.0, top = 6.0, plotWidth = 360.0, rowHeight = 30.0
        var chart = Chart(kind: "chart-funnel", title: "Session funnel",
                          caption: "sessions reaching each step; share of the first step and of the step before",
                          width: left + plotWidth + 200, height: top + rowHeight * Double(rows.count) + 8)
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let ofFirst = first > 0 ? row.1 / first : 0
            let ofPrevious = index == 0 ? 1 : (rows[index - 1].1 > 0 ? row.1 / rows[index - 1].1 : 0)
            chart.labels.append(.init(x: left - 8, y: y + 19, Format.truncated(row.0, 26), anchor: "end", style: "cat"))
            chart.rects.append(.init(x: left, y: y + 4, w: max(plotWidth * ofFirst, 1), h: rowHeight - 8, style: "funnel",
                                     tip: "\(row.0): \(Format.integer(Int64(row.1))) sessions"))
            var text = "\(Format.integer(Int64(row.1))) · \(Format.percent(ofFirst))"
            if index > 0 { text += " · \(Format.percent(ofPrevious)) of previous" }
            chart.labels.append(.init(x: left + max(plotWidth * ofFirst, 1) + 6, y: y + 19, text, anchor: "start", style: "value"))
        }
        return chart
    }

    // MARK: Fraud scores

    static func fraudScores(_ fraud: JSONValue) -> Chart? {
        func histogram(_ value: JSONValue?) -> (edges: [Double], shares: [Double], total: Double)? {
            let edges = (value?["edges"]?.arrayValue ?? []).compactMap(\.doubleValue)
            let counts = (value?["counts"]?.arrayValue ?? []).compactMap(\.doubleValue).prefix(max(edges.count - 1, 0))
            guard edges.count >= 2, !counts.isEmpty else { return nil }
            let total = counts.reduce(0, +)
            return (Array(edges.prefix(counts.count + 1)), counts.map { total > 0 ? $0 / total : 0 }, total)
        }
        let fraudulent = histogram(fraud["scores"]?["fraud"])
        let legitimate = histogram(fraud["scores"]?["legitimate"])
        var caption: [String] = []
        if let rate = fraud["rate"]?.doubleValue {
            var text = "fraud rate \(Format.percent(rate, 2))"
            if let expected = fraud["expected_rate"]?.doubleValue { text += " (expected \(Format.percent(expected, 2)))" }
            caption.append(text)
        }
        if let auc = fraud["auc"]?.doubleValue { caption.append("AUC \(Format.fixed(auc, 3))") }
        let histograms = [(legitimate, "legit", "legitimate"), (fraudulent, "fraud", "fraudulent")]
            .compactMap { entry in entry.0.map { ($0, entry.1, entry.2) } }
        guard !histograms.isEmpty else { return nil }
        let low = histograms.map { $0.0.edges.first! }.min()!
        let high = histograms.map { $0.0.edges.last! }.max()!
        guard high > low else { return nil }
        let left = 56.0, top = 12.0, plotWidth = 600.0, plotHeight = 150.0
        var chart = Chart(kind: "chart-fraud", title: "Fraud score by class (share of each class)",
                          caption: caption.joined(separator: "; "), width: left + plotWidth + 16, height: top + plotHeight + 34)
        let yTicks = niceTicks(high: max(histograms.flatMap(\.0.shares).max() ?? 0, 0.01), count: 4)
        let yDomain = yTicks.last ?? 1
        let x = { (score: Double) in left + (score - low) / (high - low) * plotWidth }
        let y = { (share: Double) in top + plotHeight - share / yDomain * plotHeight }
        addYAxis(&chart, ticks: yTicks, left: left, right: left + plotWidth, y: y) { Format.percent($0, percentDigits(yTicks)) }
        for (histogram, style, name) in histograms {
            for (index, share) in histogram.shares.prefix(maxBins * 2).enumerated() {
                let x0 = x(histogram.edges[index]), x1 = x(histogram.edges[index + 1])
                chart.rects.append(.init(x: x0 + 0.5, y: y(share), w: x1 - x0 - 1, h: y(0) - y(share), style: "score \(style)",
                                         tip: "\(name) \(Format.number(histogram.edges[index]))–\(Format.number(histogram.edges[index + 1])): \(Format.percent(share))"))
            }
            chart.legend.append(.init(swatch: style, text: "\(name) (\(Format.integer(Int64(histogram.total))))"))
        }
        for tick in niceTicks(low: low, high: high, count: 5) where tick >= low && tick <= high {
            chart.labels.append(.init(x: x(tick), y: top + plotHeight + 16, Format.number(tick)))
        }
        return chart
    }

    // MARK: Axes

    /// Decimals that percentage ticks need to tell apart: none for steps of whole percents, else one or two.
    static func percentDigits(_ ticks: [Double]) -> Int {
        guard ticks.count > 1 else { return 0 }
        let step = (ticks[1] - ticks[0]) * 100
        for digits in 0...2 {
            let scaled = step * pow(10, Double(digits))
            if abs(scaled - scaled.rounded()) < 1e-6 { return digits }
        }
        return 2
    }

    private static func addYAxis(_ chart: inout Chart, ticks: [Double], left: Double, right: Double,
                                 y: (Double) -> Double, format: (Double) -> String)
    {
        for tick in ticks {
            chart.lines.append(.init(x1: left, y1: y(tick), x2: right, y2: y(tick), style: tick == 0 ? "axis" : "grid"))
            chart.labels.append(.init(x: left - 6, y: y(tick) + 4, format(tick), anchor: "end"))
        }
        chart.lines.append(.init(x1: left, y1: y(ticks.last ?? 0), x2: left, y2: y(0), style: "axis"))
    }
}
