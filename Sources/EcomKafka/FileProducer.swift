import EcomModel
import Foundation

/// Sends the records of NDJSON files to a topic, keyed by a field of each record (`ecomdata produce`).
public struct FileProducer {
    let producer: KafkaProducer
    let topic: String
    let keys: KeyExtractor
    let keyField: String

    /// Produces to `topic`, keying each record by `keyField`.
    public init(producer: KafkaProducer, topic: String, keyField: String) {
        self.producer = producer
        self.topic = topic
        self.keyField = keyField
        keys = KeyExtractor(field: keyField)
    }

    /// Sends every line of `path` (empty lines skipped); a line without the key field stops the run with
    /// its file and line, nothing after it is sent.
    /// - Throws: ``FileProducerError``.
    public func send(path: String, stop: StopSignal? = nil, progress: ((Int) -> Void)? = nil) throws -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileProducerError.unreadable(path) }
        defer { close(descriptor) }
        let topicHandle = producer.topic(topic)
        var lineNumber = 0
        var sent = 0
        func sendLine(_ line: UnsafeBufferPointer<UInt8>) throws {
            lineNumber += 1
            var trimmed = line
            while let last = trimmed.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") {
                trimmed = UnsafeBufferPointer(rebasing: trimmed.dropLast())
            }
            if trimmed.isEmpty { return }
            guard trimmed.first == UInt8(ascii: "{"), trimmed.last == UInt8(ascii: "}") else {
                throw FileProducerError.notARecord(path: path, line: lineNumber)
            }
            guard let key = keys.key(in: trimmed) else {
                throw FileProducerError.missingKey(path: path, line: lineNumber, field: keyField, topic: topic)
            }
            if let reason = stop?.stopReason { throw FileProducerError.stopped(reason) }
            try producer.send(to: topicHandle, key: key, value: trimmed)
            sent += 1
            if sent % 100_000 == 0 { progress?(sent) }
        }
        // One reusable buffer: read into its free tail, send the complete lines, move the partial one to the front.
        var capacity = 4 << 20
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            if filled == capacity {
                // A line longer than the buffer: grow it.
                let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                grown.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = grown
                capacity *= 2
            }
            let count = read(descriptor, buffer + filled, capacity - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileProducerError.unreadable(path)
            }
            if count == 0 { break }
            filled += count
            var start = 0
            while start < filled, let found = memchr(buffer + start, 0x0A, filled - start) {
                let index = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                try sendLine(UnsafeBufferPointer(start: buffer + start, count: index - start))
                start = index + 1
            }
            if start > 0 {
                (buffer).update(from: buffer + start, count: filled - start)
                filled -= start
            }
        }
        if filled > 0 { try sendLine(UnsafeBufferPointer(start: buffer, count: filled)) }
        return sent
    }
}

/// A file that cannot be produced as it is.
public enum FileProducerError: Error, CustomStringConvertible {
    case unreadable(String)
    case notARecord(path: String, line: Int)
    case missingKey(path: String, line: Int, field: String, topic: String)
    case stopped(String)

    public var description: String {
        switch self {
        case let .unreadable(path): "cannot read \(path); check the path and permissions"
        case let .notARecord(path, line): "\(path):\(line): not a JSON object on one line; the file must be NDJSON"
        case let .missingKey(path, line, field, topic):
            "\(path):\(line): no string field \"\(field)\", the key of topic \(topic); fix the record or pass --key-field"
        case let .stopped(reason): reason
        }
    }
}
