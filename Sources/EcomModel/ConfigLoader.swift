import EcomJSON
import Foundation
import Yams

/// Reads a ``DataGenerationConfig`` from YAML or JSON text (JSON is read as YAML 1.2 flow style),
/// applies `key.path=value` overrides, and reports every problem with its path and line.
public enum ConfigLoader {
    /// Loads the file at `path` (or the defaults when nil), applies `overrides`, and validates.
    /// - Throws: ``ConfigError`` listing every problem, each with its key path and line.
    public static func load(path: String?, overrides: [String] = []) throws(ConfigError) -> DataGenerationConfig {
        var text = ""
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "cannot read the file; check the path and permissions")])
            }
            text = String(decoding: data, as: UTF8.self)
            if let problem = jsonProblem(text, path: path) { throw ConfigError(file: path, problems: [problem]) }
        }
        return try load(text: text, file: path, overrides: overrides)
    }

    /// Loads configuration text; `file` only names the source in errors.
    public static func load(text: String, file: String?, overrides: [String] = []) throws(ConfigError) -> DataGenerationConfig {
        var problems: [ConfigProblem] = []
        var root: Node = .mapping(Node.Mapping([]))
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let composed = compose(text)
            problems += composed.problems
            guard composed.readable else { throw ConfigError(file: file, problems: problems) }
            root = composed.root ?? root
        }
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                problems.append(ConfigProblem(path: override, message: "an override is written key.path=value, e.g. fraud_rate=0.01"))
                continue
            }
            let keyPath = override[..<equals].split(separator: ".").map(String.init)
            let valueText = String(override[override.index(after: equals)...])
            // A mix given in a file replaces the defaults; `--set regions.Europe.weight=0.3` edits one entry of
            // whatever is in force, so a mix the file does not give starts from the defaults.
            if keyPath.count > 1, case var .mapping(mapping) = root, mapping[keyPath[0]] == nil, let defaults = defaultMix(keyPath[0]) {
                mapping[keyPath[0]] = defaults
                root = .mapping(mapping)
            }
            let value = (try? Yams.compose(yaml: valueText)) ?? nil
            root = setting(root, keyPath[...], to: value ?? Node(valueText))
        }
        var reader = ConfigReader()
        let config = reader.read(root)
        problems += reader.problems
        var semantic = config.validate()
        for index in semantic.indices where semantic[index].line == nil {
            semantic[index].line = reader.line(of: semantic[index].path)
        }
        problems += semantic
        // A problem with a value a --set gave is the flag's, not a line of the file (the value was read as a document of
        // its own, at its line 1).
        let overridden = overrides.compactMap { override -> (path: String, text: String)? in
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else { return nil }
            return (String(override[..<equals]), override)
        }
        // So is a problem of a whole setting one of whose entries a --set edited (`regions` no longer summing to 1 after
        // `--set regions.Europe.weight=0.3`): the file's line is not where it went wrong.
        for index in problems.indices {
            let path = problems[index].path
            guard let flag = overridden.last(where: { path == $0.path || path.hasPrefix($0.path + ".") })
                ?? overridden.last(where: { !path.isEmpty && $0.path.hasPrefix(path + ".") }) else { continue }
            problems[index].line = nil
            problems[index].path = "--set \(flag.text)" + (path == flag.path ? "" : " (\(path))")
        }
        if !problems.isEmpty {
            throw ConfigError(file: file, problems: problems.sorted { ($0.line ?? 0, $0.path) < ($1.line ?? 0, $1.path) })
        }
        return config
    }

    /// What makes the text of a `.json` file no JSON document, if anything, read with jansson: YAML, which reads the rest,
    /// takes an empty file or a trailing comma that no JSON reader would.
    public static func jsonProblem(_ text: String, path: String) -> ConfigProblem? {
        guard path.lowercased().hasSuffix(".json") else { return nil }
        if text.allSatisfy(\.isWhitespace) {
            return ConfigProblem(path: "", message: "an empty file is not a JSON document; write {} for the defaults")
        }
        do {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return ConfigProblem(path: "", line: error.line > 0 ? error.line : nil,
                                 message: "not valid JSON: \(error.message) (column \(error.column))")
        }
    }

    /// The node tree of YAML or JSON `text`, and what is wrong with it as text. A key given twice in a block mapping
    /// is a problem at its second appearance, which is then left out (its line and the more indented lines under it),
    /// so that the rest of the file is still read and its problems listed too; any other syntax error leaves nothing
    /// to read (`readable` false).
    public static func compose(_ text: String) -> (root: Node?, problems: [ConfigProblem], readable: Bool) {
        var text = text
        var problems: [ConfigProblem] = []
        // Each round leaves one appearance out; a file has fewer duplicates than lines.
        for _ in 0...text.utf8.count {
            do {
                return (try Yams.compose(yaml: text), problems, true)
            } catch {
                let problem = syntaxProblem(error, text: text)
                problems.append(problem)
                guard case .duplicatedKeysInMapping = error as? YamlError, let line = problem.line,
                      let remaining = leavingOut(line: line, of: text) else { return (nil, problems, false) }
                text = remaining
            }
        }
        return (nil, problems, false)
    }

    /// `text` with the block-style member at `line` (1-based) and the more indented lines under it made empty (so the
    /// other lines keep their numbers); nil when the line is not where a block-style member starts.
    private static func leavingOut(line: Int, of text: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        func indent(_ content: Substring) -> Int { content.prefix { $0 == " " }.count }
        let start = lines[line - 1], depth = indent(start)
        guard let first = start.dropFirst(depth).first, !"{[,}]#-".contains(first) else { return nil }
        // Brackets the member opens and does not close (`"regions": {` of pretty-printed JSON): its closing line, at the
        // member's own indent, goes with it.
        func opened(_ content: Substring) -> Int {
            content.reduce(0) { $0 + ("{[".contains($1) ? 1 : "}]".contains($1) ? -1 : 0) }
        }
        var open = opened(start)
        lines[line - 1] = ""
        var next = line
        while next < lines.count {
            let content = lines[next]
            let blank = content.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            guard blank || indent(content) > depth else { break }
            open += opened(content)
            lines[next] = ""
            next += 1
        }
        if open > 0, next < lines.count, let first = lines[next].dropFirst(indent(lines[next])).first, "}]".contains(first) {
            lines[next] = ""
        }
        return lines.joined(separator: "\n")
    }

    /// What is wrong with YAML or JSON `text` that Yams could not read, at its line: where the scanner, parser or
    /// composer stopped, or, for a key given twice in a mapping, the line of its second appearance.
    public static func syntaxProblem(_ error: Error, text: String) -> ConfigProblem {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
                return ConfigProblem(path: "", line: mark.line, message: "not valid YAML or JSON: \(problem) (column \(mark.column))")
            case let .duplicatedKeysInMapping(duplicates, context):
                let names = duplicates.sorted()
                // The second line (from the mapping's start) that gives one of the keys: `key:`, `"key":` or `'key':`.
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                var seen: Set<String> = [], line: Int?
                for (index, content) in lines.enumerated() where index + 1 >= context.mark.line {
                    let trimmed = content.drop { $0 == " " || $0 == "\t" || $0 == "{" || $0 == "," }
                    for name in names where ["\(name):", "\"\(name)\":", "'\(name)':", "\"\(name)\" :"].contains(where: { trimmed.hasPrefix($0) }) {
                        if !seen.insert(name).inserted { line = index + 1 }
                    }
                    if line != nil { break }
                }
                return ConfigProblem(path: "", line: line ?? context.mark.line,
                                     message: "\(names.map { "'\($0)'" }.joined(separator: ", ")) given twice; give each once (settings of one name are not merged)")
            default: break
            }
        }
        return ConfigProblem(path: "", message: "not valid YAML or JSON: \(error)")
    }

    /// The default of a setting that is a mapping (a mix such as `regions` or `price_ranges`, or `kafka`) as a YAML
    /// node, as `ecomdata config` prints it; nil for other keys.
    private static func defaultMix(_ key: String) -> Node? {
        guard let defaults = try? Yams.compose(yaml: DataGenerationConfig().json.encoded()), case let .mapping(mapping) = defaults,
              let node = mapping[key], case .mapping = node else { return nil }
        return node
    }

    private static func setting(_ node: Node, _ path: ArraySlice<String>, to value: Node) -> Node {
        guard let key = path.first else { return value }
        var mapping: Node.Mapping
        if case let .mapping(existing) = node { mapping = existing } else { mapping = Node.Mapping([]) }
        let child = mapping[key] ?? .mapping(Node.Mapping([]))
        mapping[key] = setting(child, path.dropFirst(), to: value)
        return .mapping(mapping)
    }
}

/// Walks a YAML node tree into a config, collecting type errors and unknown keys with their lines.
struct ConfigReader {
    var problems: [ConfigProblem] = []
    /// The seasonal events whose categories the configuration gives.
    private var eventsGivenCategories: Set<String> = []
    private var lines: [String: Int] = [:]

    func line(of path: String) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            guard let dot = candidate.lastIndex(of: ".") else { break }
            candidate = String(candidate[..<dot])
        }
        return nil
    }

    mutating func read(_ root: Node) -> DataGenerationConfig {
        var config = DataGenerationConfig()
        guard let mapping = mapping(root, path: "") else { return config }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let path = key
            record(path, keyNode)
            switch key {
            case "total_users": int(value, path).map { config.totalUsers = $0 }
            case "active_user_ratio": double(value, path).map { config.activeUserRatio = $0 }
            case "vip_user_ratio": double(value, path).map { config.vipUserRatio = $0 }
            case "new_user_ratio": double(value, path).map { config.newUserRatio = $0 }
            case "total_products": int(value, path).map { config.totalProducts = $0 }
            case "categories": strings(value, path).map { config.categories = $0 }
            case "price_ranges":
                if let ranges = self.mapping(value, path: path) {
                    var result: [String: PriceRange] = [:]
                    for (nameNode, rangeNode) in ranges {
                        let name = nameNode.string ?? ""
                        record("\(path).\(name)", nameNode)
                        if let pair = doubles(rangeNode, "\(path).\(name)") {
                            if pair.count == 2 {
                                result[name] = PriceRange(min: pair[0], max: pair[1])
                            } else {
                                problem("\(path).\(name)", rangeNode, "a price range is [min, max], e.g. [10.0, 500.0]")
                            }
                        }
                    }
                    config.priceRanges = result
                }
            case "seasonal_product_ratio": double(value, path).map { config.seasonalProductRatio = $0 }
            case "popularity_zipf_exponent": double(value, path).map { config.popularityZipfExponent = $0 }
            case "base_transaction_rate": double(value, path).map { config.baseTransactionRate = $0 }
            case "base_event_rate": double(value, path).map { config.baseEventRate = $0 }
            case "base_product_update_rate": double(value, path).map { config.baseProductUpdateRate = $0 }
            case "base_fraud_alert_rate": double(value, path).map { config.baseFraudAlertRate = $0 }
            case "base_analytics_rate": double(value, path).map { config.baseAnalyticsRate = $0 }
            case "business_hours":
                if let pair = ints(value, path) {
                    if pair.count == 2 {
                        config.businessHoursStart = pair[0]
                        config.businessHoursEnd = pair[1]
                    } else {
                        problem(path, value, "business hours are [first_hour, last_hour], e.g. [9, 21]")
                    }
                }
            case "peak_hours": ints(value, path).map { config.peakHours = $0 }
            case "peak_hour_multiplier": double(value, path).map { config.peakHourMultiplier = $0 }
            case "night_weight": double(value, path).map { config.nightWeight = $0 }
            case "weekend_multiplier": double(value, path).map { config.weekendMultiplier = $0 }
            case "fraud_rate": double(value, path).map { config.fraudRate = $0 }
            case "fraud_patterns":
                weights(value, path, as: FraudType.self).map { config.fraudPatterns = $0 }
            case "devices":
                weights(value, path, as: DeviceType.self).map { config.devices = $0 }
            case "age_groups":
                weights(value, path, as: AgeGroup.self).map { config.ageGroups = $0 }
            case "payment_methods":
                weights(value, path, as: PaymentMethod.self).map { config.paymentMethods = $0 }
            case "regions":
                if let regions = self.mapping(value, path: path) {
                    var result: [Region: RegionSettings] = [:]
                    for (nameNode, settingsNode) in regions {
                        let name = nameNode.string ?? ""
                        let regionPath = "\(path).\(name)"
                        record(regionPath, nameNode)
                        guard let region = Region(rawValue: name) else {
                            problem(regionPath, nameNode, "unknown region; use one of \(Region.allCases.map(\.rawValue).joined(separator: ", "))")
                            continue
                        }
                        var settings = RegionSettings(weight: 0, timeZoneOffset: config.regions[region]?.timeZoneOffset ?? 0)
                        if let number = settingsNode.float ?? settingsNode.int.map(Double.init), case .scalar = settingsNode {
                            settings.weight = number
                        } else if let fields = self.mapping(settingsNode, path: regionPath) {
                            for (fieldNode, fieldValue) in fields {
                                let field = fieldNode.string ?? ""
                                record("\(regionPath).\(field)", fieldNode)
                                switch field {
                                case "weight": double(fieldValue, "\(regionPath).weight").map { settings.weight = $0 }
                                case "time_zone_offset": double(fieldValue, "\(regionPath).time_zone_offset").map { settings.timeZoneOffset = $0 }
                                default: problem("\(regionPath).\(field)", fieldNode, "unknown key; a region has weight and time_zone_offset")
                                }
                            }
                        }
                        result[region] = settings
                    }
                    config.regions = result
                }
            case "location_jitter_km": double(value, path).map { config.locationJitterKm = $0 }
            case "seasonal_events":
                if let events = self.mapping(value, path: path) {
                    // Events merge into the defaults, as the seed edits one event in place; `multiplier: 1` disables one.
                    var result = config.seasonalEvents
                    for (nameNode, eventNode) in events {
                        let name = nameNode.string ?? ""
                        let eventPath = "\(path).\(name)"
                        record(eventPath, nameNode)
                        var event = config.seasonalEvents[name]
                            ?? SeasonalEvent(date: CivilDate(year: 1970, month: 1, day: 1), multiplier: 1, durationHours: 24, categories: [])
                        var sawDate = config.seasonalEvents[name] != nil
                        guard let fields = self.mapping(eventNode, path: eventPath) else { continue }
                        for (fieldNode, fieldValue) in fields {
                            let field = fieldNode.string ?? ""
                            let fieldPath = "\(eventPath).\(field)"
                            record(fieldPath, fieldNode)
                            switch field {
                            case "date":
                                if let text = fieldValue.string, let date = CivilDate(parsing: text) {
                                    event.date = date
                                    sawDate = true
                                } else {
                                    problem(fieldPath, fieldValue, "not a date; write YYYY-MM-DD, e.g. 2024-11-29")
                                }
                            case "multiplier": double(fieldValue, fieldPath).map { event.multiplier = $0 }
                            case "duration_hours": double(fieldValue, fieldPath).map { event.durationHours = $0 }
                            case "categories":
                                strings(fieldValue, fieldPath).map { event.categories = $0 }
                                eventsGivenCategories.insert(name)
                            default: problem(fieldPath, fieldNode, "unknown key; an event has date, multiplier, duration_hours and categories")
                            }
                        }
                        if !sawDate { problem("\(eventPath).date", eventNode, "missing; every event needs a start date (YYYY-MM-DD)") }
                        result[name] = event
                    }
                    config.seasonalEvents = result
                }
            case "kafka":
                if let fields = self.mapping(value, path: path) {
                    for (fieldNode, fieldValue) in fields {
                        let field = fieldNode.string ?? ""
                        record("\(path).\(field)", fieldNode)
                        switch field {
                        case "partitions": int(fieldValue, "\(path).partitions").map { config.topicPartitions = $0 }
                        case "replication_factor": int(fieldValue, "\(path).replication_factor").map { config.topicReplicationFactor = $0 }
                        default: problem("\(path).\(field)", fieldNode, "unknown key; kafka has partitions and replication_factor")
                        }
                    }
                }
            case "window":
                if let fields = self.mapping(value, path: path) {
                    for (fieldNode, fieldValue) in fields {
                        let field = fieldNode.string ?? ""
                        record("\(path).\(field)", fieldNode)
                        switch field {
                        case "start":
                            if let text = fieldValue.string, let start = Timestamp(parsing: text) {
                                config.windowStart = start
                            } else {
                                problem("\(path).start", fieldValue, "not a date or time; write YYYY-MM-DD or 2024-09-02T00:00:00Z")
                            }
                        case "days": int(fieldValue, "\(path).days").map { config.windowDays = $0 }
                        default: problem("\(path).\(field)", fieldNode, "unknown key; the window has start and days")
                        }
                    }
                }
            default:
                problem(path, keyNode, "unknown key; `ecomdata config` prints every known key with its default")
            }
        }
        // Categories replaced (the framework's own example: Electronics, Fashion, Home): the default events boost those of
        // theirs that are still there, not a category the configuration no longer has; categories an event was given in
        // the configuration are checked as given.
        for (name, event) in config.seasonalEvents where !eventsGivenCategories.contains(name) {
            config.seasonalEvents[name]?.categories = event.categories.filter(config.categories.contains)
        }
        return config
    }

    private mutating func record(_ path: String, _ node: Node) {
        if let line = node.mark?.line { lines[path] = line }
    }

    private mutating func problem(_ path: String, _ node: Node, _ message: String) {
        problems.append(ConfigProblem(path: path, line: node.mark?.line, message: message))
    }

    private mutating func mapping(_ node: Node, path: String) -> Node.Mapping? {
        if case let .mapping(m) = node { return m }
        problem(path, node, "expected a mapping of keys to values")
        return nil
    }

    private mutating func double(_ node: Node, _ path: String) -> Double? {
        if case .scalar = node, let value = node.int.map(Double.init) ?? node.float, value.isFinite { return value }
        problem(path, node, "expected a number, got \(describe(node))")
        return nil
    }

    private mutating func int(_ node: Node, _ path: String) -> Int? {
        if case .scalar = node, let value = node.int { return value }
        problem(path, node, "expected a whole number, got \(describe(node))")
        return nil
    }

    private mutating func strings(_ node: Node, _ path: String) -> [String]? {
        guard case let .sequence(items) = node else {
            problem(path, node, "expected a list of names, e.g. [Electronics, Books]")
            return nil
        }
        return items.compactMap { item in
            if case .scalar = item, let text = item.string { return text }
            problem(path, item, "expected a name, got \(describe(item))")
            return nil
        }
    }

    private mutating func doubles(_ node: Node, _ path: String) -> [Double]? {
        guard case let .sequence(items) = node else {
            problem(path, node, "expected a list of numbers")
            return nil
        }
        let values = items.map { double($0, path) }
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    private mutating func ints(_ node: Node, _ path: String) -> [Int]? {
        guard case let .sequence(items) = node else {
            problem(path, node, "expected a list of whole numbers")
            return nil
        }
        let values = items.map { int($0, path) }
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    private mutating func weights<Key: RawRepresentable & CaseIterable & Hashable>(
        _ node: Node, _ path: String, as _: Key.Type
    ) -> [Key: Double]? where Key.RawValue == String {
        guard let entries = mapping(node, path: path) else { return nil }
        var result: [Key: Double] = [:]
        for (keyNode, valueNode) in entries {
            let name = keyNode.string ?? ""
            record("\(path).\(name)", keyNode)
            guard let key = Key(rawValue: name) else {
                problem("\(path).\(name)", keyNode, "unknown name; use one of \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            if let weight = double(valueNode, "\(path).\(name)") { result[key] = weight }
        }
        return result
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar: return "'\(node.string ?? "")'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
