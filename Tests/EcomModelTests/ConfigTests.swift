import EcomJSON
@testable import EcomModel
import Foundation
import Testing

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures")

@Test func defaultsAreTheSeedFrameworks() {
    let config = DataGenerationConfig()
    #expect(config.totalUsers == 10_000 && config.totalProducts == 1_000)
    #expect(config.activeUserRatio == 0.7 && config.vipUserRatio == 0.05 && config.newUserRatio == 0.25)
    #expect(config.baseTransactionRate == 10_000 && config.baseEventRate == 100_000)
    #expect(config.peakHourMultiplier == 3 && config.weekendMultiplier == 1.5 && config.fraudRate == 0.001)
    #expect(config.regions[.northAmerica]?.weight == 0.45 && config.regions[.europe]?.weight == 0.30)
    #expect(config.regions[.asia]?.weight == 0.20 && config.regions[.others]?.weight == 0.05)
    #expect(config.devices == [.mobile: 0.5, .desktop: 0.35, .tablet: 0.15])
    #expect(config.seasonalEvents["Black Friday"]?.multiplier == 8)
    #expect(config.validate().isEmpty)
}

@Test func validationNamesEveryProblemWithItsPathAndLine() throws {
    let path = fixtures.appendingPathComponent("configs/invalid.yaml").path
    do {
        _ = try ConfigLoader.load(path: path)
        Issue.record("an invalid config loaded")
    } catch {
        let found = Dictionary(error.problems.map { ($0.path, $0.line) }, uniquingKeysWith: { a, _ in a })
        #expect(found["total_users"] == 1)
        #expect(found["fraud_rate"] == 2)
        #expect(found["regions"] == 3, "weights not summing to 1")
        #expect(found["regions.Atlantis"] == 5, "unknown region")
        #expect(found["bogus_key"] == 6, "unknown key")
        #expect(found["seasonal_events.Black Friday.date"] == 8, "bad date")
        #expect(found["seasonal_events.Black Friday.categories"] == 8, "unknown category")
        #expect(found["devices"] == 9, "weights not summing to 1")
        #expect(error.description.contains("\(path):6: bogus_key"))
    }
}

@Test func seedCustomExampleLoadsAndOverridesApply() throws {
    let path = fixtures.appendingPathComponent("configs/black-friday-focus.yaml").path
    let config = try ConfigLoader.load(path: path, overrides: ["fraud_rate=0.02", "seasonal_events.Black Friday.multiplier=9"])
    #expect(config.totalUsers == 5_000)
    #expect(config.fraudRate == 0.02)
    #expect(config.regions.count == 2 && config.regions[.northAmerica]?.weight == 0.8)
    #expect(config.seasonalEvents["Black Friday"]?.multiplier == 9)
    #expect(config.seasonalEvents["Christmas"] != nil, "events not named in the file keep their defaults")
}

/// A bad value given with --set is named by the flag, not by a line of the file (the value is read as a document of
/// its own, whose line 1 is no line of the file); the file's own problems keep their lines.
@Test func aBadOverrideIsNamedByItsFlag() throws {
    let path = fixtures.appendingPathComponent("configs/black-friday-focus.yaml").path
    #expect {
        try ConfigLoader.load(path: path, overrides: ["fraud_rate=abc", "nope=1"])
    } throws: { error in
        let text = (error as? ConfigError)?.description ?? ""
        return text.contains("\n--set fraud_rate=abc: expected a number") && text.contains("\n--set nope=1: unknown key")
            && !text.contains("\(path):1:")
    }
}

/// `--set` edits one entry of a mapping setting whatever is in force, the defaults when the file does not give it: one
/// category's price range, one fraud kind's share. A sum it breaks is the flag's problem, not a line of the file.
@Test func anOverrideEditsOneEntryAndOwnsTheSumItBreaks() throws {
    let config = try ConfigLoader.load(path: nil, overrides: ["price_ranges.Books=[5,70]"])
    #expect(config.priceRanges["Books"] == PriceRange(min: 5, max: 70))
    #expect(config.priceRanges["Electronics"] == DataGenerationConfig().priceRanges["Electronics"])
    let path = fixtures.appendingPathComponent("configs/black-friday-focus.yaml").path
    #expect {
        try ConfigLoader.load(path: path, overrides: ["regions.North America.weight=0.9"])
    } throws: { error in
        let text = (error as? ConfigError)?.description ?? ""
        return text.contains("\n--set regions.North America.weight=0.9 (regions): weights must sum to 1") && !text.contains("\n\(path):")
    }
}

/// A key given twice is a problem at its second appearance, and the rest of the file is still read: its other
/// problems are listed too, each at its line.
@Test func aKeyGivenTwiceDoesNotHideTheOtherProblems() {
    do {
        _ = try ConfigLoader.load(text: "fraud_rate: 5\ntotal_users: -1\nfraud_rate: 0.01\nregions:\n  Europe: {weight: 1}\n  Europe:\n    weight: 0.2\nbogus: 1\n", file: "twice.yaml")
        Issue.record("a file with problems loaded")
    } catch {
        let found = error.problems.map { "\($0.line ?? 0) \($0.path)" }
        #expect(found.contains("1 fraud_rate") && found.contains("2 total_users") && found.contains("8 bogus"), "\(error.description)")
        #expect(error.problems.filter { $0.message.contains("given twice") }.compactMap(\.line) == [3, 6], "\(error.description)")
    }
    // Pretty-printed JSON, as `ecomdata config` prints it: the second member's closing brace goes with it (it was left
    // behind as a false syntax error that hid the rest), whether a member follows it or not.
    let member = "  \"regions\": {\n    \"North America\": {\"weight\": 0.5},\n    \"Europe\": {\"weight\": 0.5}\n  }"
    for (text, twice, users) in [("{\n\(member),\n\(member),\n  \"total_users\": -1\n}\n", 6, 10),
                                 ("{\n  \"total_users\": -1,\n\(member),\n\(member)\n}\n", 7, 2)] {
        do {
            _ = try ConfigLoader.load(text: text, file: "twice.json")
            Issue.record("a file with problems loaded")
        } catch {
            #expect(error.problems.contains { $0.line == twice && $0.message.contains("given twice") }, "\(error.description)")
            #expect(error.problems.contains { $0.line == users && $0.path == "total_users" }, "\(error.description)")
            #expect(!error.description.contains("not valid YAML or JSON"), "\(error.description)")
        }
    }
}

/// The framework's own custom example replaces the categories: the default events boost those of theirs still there
/// (they named Toys & Games, Books, ... and made the file invalid); categories the file gives an event are checked.
@Test func replacedCategoriesLeaveTheDefaultEventsTheirOwn() throws {
    let example = "categories: [Electronics, Fashion, Home]\nprice_ranges: {Electronics: [50, 2000], Fashion: [20, 500], Home: [10, 1000]}\n"
        + "seasonal_events:\n  Black Friday: {multiplier: 10}\n"
    let config = try ConfigLoader.load(text: example, file: "custom.yaml")
    #expect(config.seasonalEvents["Black Friday"]?.multiplier == 10 && config.seasonalEvents["Black Friday"]?.categories == ["Electronics"])
    #expect(config.seasonalEvents.values.allSatisfy { $0.categories.allSatisfy(config.categories.contains) })
    #expect {
        try ConfigLoader.load(text: example + "  Christmas: {categories: [Toys & Games]}\n", file: "custom.yaml")
    } throws: { error in
        (error as? ConfigError)?.description.contains("seasonal_events.Christmas.categories: unknown category 'Toys & Games'") == true
    }
    // One category leaves a pattern fraud nothing to buy outside the user's preferences.
    #expect(throws: ConfigError.self) { try ConfigLoader.load(text: "categories: [Books]\nprice_ranges: {Books: [5, 60]}\n", file: "one.yaml") }
}

@Test func printedConfigLoadsBackToTheSame() throws {
    var config = DataGenerationConfig()
    config.fraudRate = 0.004
    config.categories.append("Pets")
    config.priceRanges["Pets"] = PriceRange(min: 3, max: 90)
    let reloaded = try ConfigLoader.load(text: config.json.encoded(pretty: true), file: "printed.json")
    #expect(reloaded == config)
    #expect(reloaded.digest == config.digest)
}

@Test func syntaxErrorsNameTheLine() {
    do {
        _ = try ConfigLoader.load(text: "total_users: 10\nregions: [unclosed\n", file: "broken.yaml")
        Issue.record("broken YAML loaded")
    } catch {
        #expect(error.problems.first?.line != nil)
        #expect(error.description.contains("broken.yaml"))
    }
}

@Test(arguments: [
    ("2024-07-18T14:30:45.123Z", "2024-07-18T14:30:45.123Z"),
    ("2024-07-18", "2024-07-18T00:00:00.000Z"),
    ("2024-07-18T14:30:45+02:00", "2024-07-18T12:30:45.000Z"),
    ("2000-02-29T23:59:59.9Z", "2000-02-29T23:59:59.900Z"),
])
func timestampsParseAndPrintInUTC(input: String, printed: String) throws {
    let timestamp = try #require(Timestamp(parsing: input))
    #expect(timestamp.description == printed)
}

@Test func impossibleDatesAreRejected() {
    #expect(Timestamp(parsing: "2023-02-29") == nil)
    #expect(Timestamp(parsing: "2024-13-01T00:00:00Z") == nil)
    #expect(CivilDate(parsing: "2024-04-31") == nil)
}

@Test func weekdaysFollowTheCalendar() {
    #expect(CivilDate(year: 2024, month: 9, day: 2).weekday == 0, "2024-09-02 was a Monday")
    #expect(CivilDate(year: 2024, month: 11, day: 29).weekday == 4, "Black Friday 2024 was a Friday")
    for day in Int64(-1000)...Int64(1000) { #expect(CivilDate(daysSinceEpoch: day).daysSinceEpoch == day) }
}

@Test func sha256MatchesKnownVectors() {
    #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    var digest = SHA256()
    for _ in 0..<1000 { digest.update(String(repeating: "a", count: 1000)) }
    #expect(digest.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

@Test func byteBufferEscapingParsesBackWithJansson() throws {
    let nasty = "quote\" backslash\\ newline\n tab\t bell\u{07} nul\u{00} unicode São Paulo 東京 emoji 🛒"
    let buffer = ByteBuffer()
    buffer.append("{\"s\":")
    buffer.appendJSONString(nasty)
    buffer.append(",\"money\":")
    buffer.appendFixed(-12345, decimals: 2)
    buffer.append(",\"id\":")
    buffer.appendID("user_", 123, digits: 6)
    buffer.append("}")
    let parsed = try JSONValue.parse(buffer.string)
    #expect(parsed["s"]?.stringValue == nasty)
    #expect(parsed["money"]?.doubleValue == -123.45)
    #expect(parsed["id"]?.stringValue == "user_000123")
}

@Test func citiesCoverEveryRegionWithRealZones() {
    let cities = City.all
    #expect(cities.count >= 120)
    #expect(Set(cities.map(\.country)).count >= 25)
    #expect(Set(cities.map(\.region)) == Set(Region.allCases))
    for city in cities {
        #expect(ZoneOffsets(identifier: city.timeZone) != nil, "\(city.name): unknown zone \(city.timeZone)")
        #expect(abs(city.latitude) <= 90 && abs(city.longitude) <= 180)
    }
    let london = cities.first { $0.name == "London" }!, paris = cities.first { $0.name == "Paris" }!
    #expect(abs(london.distanceKm(to: paris) - 344) < 5, "haversine London-Paris is about 344 km")
}

/// A `.json` file is read as JSON (jansson): an empty file and a trailing comma, which YAML would take, are problems at
/// their line; the JSON `ecomdata config` prints still loads.
@Test func aJSONFileIsStrictJSON() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ecomdata-json-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func problems(_ text: String) -> [ConfigProblem] {
        let path = directory.appendingPathComponent("c.json").path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        do {
            _ = try ConfigLoader.load(path: path)
            return []
        } catch {
            return error.problems
        }
    }
    #expect(problems("").first?.message.contains("an empty file is not a JSON document") == true)
    let trailing = problems("{\n  \"fraud_rate\": 0.01,\n}\n")
    #expect(trailing.count == 1 && trailing.first?.line == 3 && trailing.first?.message.hasPrefix("not valid JSON") == true, "\(trailing)")
    #expect(problems(DataGenerationConfig().json.encoded(pretty: true)).isEmpty)
}
