import EcomModel
import Foundation

/// Sends ``ReplayRecords`` to a topic on a schedule (`ecomdata replay`): at the pace of the records' own
/// timestamps divided by a speed, at a flat rate, or as fast as the broker takes them; optionally with the
/// timestamps shifted so the first record is at a chosen instant, and several times over.
///
/// Each record's send time is computed from the start of the replay (an absolute schedule on the monotonic
/// clock), never from the previous send, so waiting errors do not add up over a long run.
public final class Replayer {
    /// How fast records leave.
    public enum Pace: Sendable, Equatable {
        /// Record time divided by this factor (1: as recorded, 60: an hour a minute).
        case speed(Double)
        /// A flat number of records per second, whatever their timestamps.
        case rate(Double)
        /// As fast as the producer takes them.
        case max
    }

    /// What a replay does.
    public struct Plan: Sendable {
        /// How fast records leave.
        public var pace: Pace
        /// The instant (milliseconds) the first record's timestamp is moved to, or nil to keep timestamps;
        /// ``rebaseNow`` moves it to the moment the replay starts.
        public var rebase: Int64?
        /// Times the records are sent; each pass continues the previous one's timeline (see ``period``).
        public var loops: Int

        /// A plan; `rebase` in milliseconds since the epoch, or ``rebaseNow``.
        public init(pace: Pace, rebase: Int64? = nil, loops: Int = 1) {
            self.pace = pace
            self.rebase = rebase
            self.loops = loops
        }

        /// `rebase` value meaning "the moment the replay starts".
        public static let rebaseNow = Int64.min
    }

    /// What a replay did.
    public struct Result: Sendable {
        /// Records handed to the producer (all passes).
        public var sent = 0
        /// Wall-clock start of the replay, and its end after the flush.
        public var started = Date()
        public var finished = Date()
        /// Seconds the schedule spans, from the first record's send time to the last one's (0 with `.max`).
        public var scheduledSeconds = 0.0
        /// Seconds from the first send to the last.
        public var sendingSeconds = 0.0
        /// How late records were handed to the producer against their scheduled time: the largest, and the mean (seconds).
        /// A record stamped earlier than one before it is sent in file order, right after that one: it is late only
        /// against that one's time (the pacing's error, not the file's order).
        public var maxLateness = 0.0
        public var meanLateness = 0.0
        /// Records stamped earlier than a record before them in the file (sent in file order, at once).
        public var outOfOrder = 0
        /// The instant the first record's timestamp was moved to, when rebasing.
        public var rebasedTo: Int64?
        /// The shift applied to the timestamps of the first pass (milliseconds).
        public var shift: Int64 = 0
        /// Milliseconds of record time between passes.
        public var period: Int64 = 0
        /// Why the replay ended early (a signal, or a record the producer refused), or nil.
        public var stopReason: String?
        /// The producer's delivery report after the flush.
        public var report = DeliveryReport()
    }

    /// The top-level fields holding a time that ``RecordSchema`` declares for any record type (`timestamp`,
    /// `transaction_timestamp`, `window_start`, `window_end`): a rebase moves them all by the same amount.
    public static let timestampFields: [String] = {
        var names: [String] = []
        for type in RecordType.allCases {
            for field in RecordSchema.fields(of: type) {
                if case let .string(format, _, _) = field.type, format == "date-time", !names.contains(field.name) {
                    names.append(field.name)
                }
            }
        }
        return names
    }()

    let producer: KafkaProducer
    let topic: KafkaProducer.Topic
    let keys: KeyExtractor

    /// Replays to `topic`, keying each record by `keyField`.
    public init(producer: KafkaProducer, topic: String, keyField: String) {
        self.producer = producer
        self.topic = producer.topic(topic)
        keys = KeyExtractor(field: keyField)
    }

    /// The earliest and latest time the plan writes in any timestamp field (the first pass's earliest, the last pass's
    /// latest, rebased), for records whose timestamps were read; nil when none were or nothing moves them (a first
    /// record at 1970-01-01T00:00:00.000Z is read like any other). `now` stands for ``Plan/rebaseNow``.
    public static func writtenTimeRange(of records: ReplayRecords, plan: Plan, now: Int64) -> (first: Int64, last: Int64)? {
        guard let first = records.firstTimestamp, let range = records.timeRange, plan.rebase != nil || plan.loops > 1 else { return nil }
        let low = min(range.first, records.otherTimeRange?.first ?? .max), high = max(range.last, records.otherTimeRange?.last ?? .min)
        // Saturating: a sum beyond Int64 is as far as it goes, which is past either end of what can be written.
        func add(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b < 0 ? .min : .max) : sum
        }
        let shift = add(plan.rebase.map { $0 == Plan.rebaseNow ? now : $0 } ?? first, -first)
        let (moved, overflow) = Int64(plan.loops - 1).multipliedReportingOverflow(by: period(of: records))
        return (add(low, shift), add(add(high, shift), overflow ? .max : moved))
    }

    /// The first instant a timestamp can be written for (`0000-01-01T00:00:00.000Z`: the format has four digits of year).
    public static let firstWritableTimestamp: Int64 = CivilDate(year: 0, month: 1, day: 1).daysSinceEpoch * Timestamp.millisecondsPerDay
    /// The last instant a timestamp can be written for (`9999-12-31T23:59:59.999Z`).
    public static let lastWritableTimestamp: Int64 = 253_402_300_799_999

    /// Milliseconds of record time from one pass to the next: the records' span (earliest to latest, whatever the
    /// order they are sent in) plus their mean spacing, so that each pass comes after the previous one and a looped
    /// replay keeps its rhythm across the seam (one second for a single record or instant).
    public static func period(of records: ReplayRecords) -> Int64 {
        guard let range = records.timeRange, records.count > 1 else { return 1000 }
        let span = range.last - range.first
        return span > 0 ? span + span / Int64(records.count - 1) : 1000
    }

    /// Sends every record `plan.loops` times, each at its scheduled moment; stops early when `stop` is set
    /// or the producer refuses a record. Waits for the delivery reports (at most `flushTimeout` seconds).
    public func replay(_ records: ReplayRecords, plan: Plan, stop: StopSignal, flushTimeout: Double = 60,
                       progress: ((_ sent: Int, _ elapsed: Double) -> Void)? = nil) -> Result {
        var result = Result()
        let count = records.count
        guard count > 0 else { return result }
        let firstTimestamp = records.entries[0].timestamp
        let period = Replayer.period(of: records)
        result.period = period
        // Passes after the first move on in record time and name their records anew, rebased or not.
        let rewriting = plan.rebase != nil || plan.loops > 1
        let buffer = ByteBuffer(capacity: 4096)
        let start = monotonicNanoseconds()
        result.started = Date()
        if let rebase = plan.rebase {
            let target = rebase == Plan.rebaseNow ? Int64((result.started.timeIntervalSince1970 * 1000).rounded(.down)) : rebase
            result.rebasedTo = target
            result.shift = target - firstTimestamp
        }
        // Nanoseconds after `start` at which record `index` of pass `loop` is due, or nil for no pacing.
        func due(_ loop: Int, _ index: Int) -> Int64? {
            switch plan.pace {
            case .max: return nil
            case let .rate(perSecond): return Int64((Double(loop * count + index) / perSecond * 1e9).rounded())
            case let .speed(speed):
                let recordTime = Double(Int64(loop) * period + records.entries[index].timestamp - firstTimestamp)
                return Int64((recordTime / speed * 1e6).rounded())
            }
        }
        // The last pass's latest record (a file out of time order does not end with it).
        if let lastDue = (0..<count).compactMap({ due(plan.loops - 1, $0) }).max() { result.scheduledSeconds = Double(max(lastDue, 0)) / 1e9 }
        var latenessSum = 0.0
        var latestDue = Int64.min
        var firstSend: Int64?
        var lastSend: Int64 = start
        var lastProgress = start
        passes: for loop in 0..<plan.loops {
            let shift = result.shift + Int64(loop) * period
            for index in 0..<count {
                if index % 64 == 0, let reason = stop.stopReason {
                    result.stopReason = reason
                    break passes
                }
                if let offset = due(loop, index) {
                    if let reason = sleep(until: start + offset, stop: stop) {
                        result.stopReason = reason
                        break passes
                    }
                }
                var value = records.record(index)
                if rewriting {
                    rewrite(value, shift: shift, pass: loop, into: buffer)
                    value = buffer.bytes
                }
                let failure = keys.withKey(in: value) { key -> String? in
                    // Every record's key was checked when it was loaded; a record that lost it is a bug, said so.
                    guard let key else { return "record \(index + 1) of pass \(loop + 1) has no key after rebasing; please report this" }
                    do {
                        try producer.send(to: topic, key: key, value: value, copy: true)
                        return nil
                    } catch {
                        return String(describing: error)
                    }
                }
                if let failure {
                    result.stopReason = failure
                    break passes
                }
                let now = monotonicNanoseconds()
                if firstSend == nil { firstSend = now }
                lastSend = now
                if let offset = due(loop, index) {
                    if offset < latestDue { result.outOfOrder += 1 }
                    latestDue = Swift.max(latestDue, offset)
                    let late = Double(now - start - latestDue) / 1e9
                    latenessSum += Swift.max(late, 0)
                    result.maxLateness = Swift.max(result.maxLateness, late)
                }
                result.sent += 1
                if let progress, now - lastProgress > 1_000_000_000 {
                    lastProgress = now
                    progress(result.sent, Double(now - start) / 1e9)
                }
            }
        }
        result.sendingSeconds = Double(lastSend - (firstSend ?? lastSend)) / 1e9
        result.meanLateness = result.sent > 0 ? latenessSum / Double(result.sent) : 0
        producer.flush(timeout: flushTimeout)
        result.finished = Date()
        result.report = producer.deliveryReport
        return result
    }

    /// Sleeps until the monotonic instant `deadline` (nanoseconds); returns the stop reason when stopped first.
    private func sleep(until deadline: Int64, stop: StopSignal) -> String? {
        while true {
            let wait = deadline - monotonicNanoseconds()
            if wait <= 0 { return nil }
            if let reason = stop.stopReason { return reason }
            // Long waits in slices, so a signal ends them promptly.
            let slice = min(wait, 200_000_000)
            var request = timespec(tv_sec: Int(slice / 1_000_000_000), tv_nsec: Int(slice % 1_000_000_000))
            nanosleep(&request, nil)
        }
    }

    /// Writes `record` into `buffer` with every timestamp field moved by `shift` milliseconds, in the
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` form, and, for a `pass` after the first, `pass` as 4 hex digits appended to
    /// each field of ``passIDFields``; the rest of the record is kept byte for byte.
    func rewrite(_ record: UnsafeBufferPointer<UInt8>, shift: Int64, pass: Int, into buffer: ByteBuffer) {
        buffer.removeAll()
        // A replacement's milliseconds, or nil for a value that takes the pass's suffix.
        var replacements: [(start: Int, end: Int, milliseconds: Int64?)] = []
        for extractor in Replayer.timestampExtractors {
            guard let value = extractor.key(in: record), let milliseconds = parseTimestamp(value) else { continue }
            let start = record.baseAddress!.distance(to: value.baseAddress!)
            replacements.append((start, start + value.count, milliseconds + shift))
        }
        if pass > 0 {
            for extractor in Replayer.passIDExtractors {
                guard let value = extractor.key(in: record) else { continue }
                let start = record.baseAddress!.distance(to: value.baseAddress!)
                replacements.append((start, start + value.count, nil))
            }
        }
        replacements.sort { $0.start < $1.start }
        let digits = Array("0123456789abcdef".utf8)
        let suffix = [12, 8, 4, 0].map { digits[(pass >> $0) & 0xF] }
        var cursor = 0
        for replacement in replacements {
            if let milliseconds = replacement.milliseconds {
                buffer.append(UnsafeBufferPointer(rebasing: record[cursor..<replacement.start]))
                buffer.appendTimestamp(milliseconds)
            } else {
                buffer.append(UnsafeBufferPointer(rebasing: record[cursor..<replacement.end]))
                buffer.append(suffix)
            }
            cursor = replacement.end
        }
        buffer.append(UnsafeBufferPointer(rebasing: record[cursor...]))
    }

    /// The top-level fields that name a record or tie records together (each type's ID field, and `session_id`):
    /// a looped replay's passes after the first append their pass number to them, so that each pass sends new
    /// records (a transaction and its purchase event and alert still agree) rather than copies of the first.
    public static let passIDFields: [String] = RecordType.allCases.map(\.idField) + ["session_id"]

    /// The most passes a looped replay makes: pass numbers take 4 hex digits.
    public static let maximumLoops = 0x10000

    static let timestampExtractors = timestampFields.map(KeyExtractor.init(field:))
    static let passIDExtractors = passIDFields.map(KeyExtractor.init(field:))
}

/// Nanoseconds on the monotonic clock (unaffected by wall-clock adjustments).
func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
