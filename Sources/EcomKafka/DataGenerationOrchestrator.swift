import EcomGeneration
import EcomJSON
import EcomModel
import Foundation

/// The seed's orchestrator: runs named scenarios against Kafka and generates historical data.
public final class DataGenerationOrchestrator: Sendable {
    /// The configuration in use.
    public let config: DataGenerationConfig
    /// The run seed.
    public let seed: UInt64
    /// Where scenarios stream to.
    public let kafka: KafkaConfiguration

    /// An orchestrator for `config` and `seed`, streaming to `kafka`.
    public init(config: DataGenerationConfig, seed: UInt64 = 42, kafka: KafkaConfiguration) {
        self.config = config
        self.seed = seed
        self.kafka = kafka
    }

    /// Streams every topic under `scenario` for `durationHours` of simulated time from the scenario's
    /// window start, `speedup` times faster than the wall clock.
    /// - Throws: ``KafkaError`` when the producer cannot be created.
    public func runScenario(_ scenario: Scenario, durationHours: Double, speedup: Double = 1,
                            stop: StopSignal = StopSignal()) throws(KafkaError) -> KafkaDataProducer.StreamResult {
        let start = scenario.defaultWindow(config).start
        let generator = ECommerceDataGenerator(
            config: config, seed: seed, scenario: scenario,
            window: (start, start.adding(milliseconds: Int64(durationHours * 3_600_000))))
        let producer = try KafkaDataProducer(generator: generator, configuration: kafka)
        return producer.startStreaming(topics: RecordType.allCases, durationHours: durationHours, speedup: speedup,
                                       simulatedStart: start, stop: stop)
    }

    /// Every type over `days` days from the configured window start into `directory`, partitioned by day,
    /// with catalogs and a manifest (returned).
    /// - Throws: ``GenerationError`` for a directory that cannot be written.
    public func generateHistoricalData(days: Int, directory: String) throws(GenerationError) -> JSONValue {
        let generator = ECommerceDataGenerator(config: config, seed: seed)
        return try generator.generateHistorical(days: days, start: config.windowStart, directory: directory)
    }
}
