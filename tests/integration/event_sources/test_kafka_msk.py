"""Amazon MSK: the companion ``kafka`` service (moto's backend) with clusters
standing for a broker the user runs (MSK_BOOTSTRAP_BROKERS,
MSK_CLUSTER_BOOTSTRAP_BROKERS), and a mapping on a cluster ARN reading from it
(with-msk.html: the event's ``eventSource`` is ``aws:kafka`` and it names the
cluster's ARN and bootstrap servers).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from providers.lambda_.event_sources.kafka.poller import CONNECTION_ERROR
from tests.support.gateway_process import GatewayProcess

from .kafka_support import Harness, b64, unique, wait_until

pytestmark = pytest.mark.timeout(120)

BROKER_INFO = {"ClientSubnets": ["subnet-0a1b2c3d"], "InstanceType": "kafka.t3.small"}


@pytest.fixture(scope="module")
def msk_gateway(kafka_broker) -> Iterator[GatewayProcess]:
    env = {"MSK_BOOTSTRAP_BROKERS": kafka_broker.bootstrap,
           "MSK_CLUSTER_BOOTSTRAP_BROKERS": "elsewhere=127.0.0.2:9092,127.0.0.3:9092;gone=127.0.0.1:1"}
    with GatewayProcess(env) as process:
        yield process


@pytest.fixture
def harness(msk_gateway) -> Harness:
    return Harness(msk_gateway.url)


def test_clusters_answer_the_configured_brokers(harness, kafka_broker):
    created = harness.kafka.create_cluster(ClusterName="orders", KafkaVersion="3.6.0", NumberOfBrokerNodes=2,
                                           BrokerNodeGroupInfo=BROKER_INFO)
    arn = created["ClusterArn"]
    assert (created["ClusterName"], created["State"]) == ("orders", "CREATING")
    assert arn.startswith("arn:aws:kafka:us-east-1:000000000000:cluster/orders/")
    assert harness.kafka.describe_cluster(ClusterArn=arn)["ClusterInfo"]["State"] == "ACTIVE"
    assert harness.kafka.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]["ClusterName"] == "orders"
    assert [c["ClusterArn"] for c in harness.kafka.list_clusters(ClusterNameFilter="orders")["ClusterInfoList"]] == [arn]
    # Client-broker encryption TLS is AWS's default: only the TLS string.
    brokers = harness.kafka.get_bootstrap_brokers(ClusterArn=arn)
    brokers.pop("ResponseMetadata")
    assert brokers == {"BootstrapBrokerStringTls": kafka_broker.bootstrap}

    plaintext = harness.kafka.create_cluster(
        ClusterName="elsewhere", KafkaVersion="3.6.0", NumberOfBrokerNodes=2, BrokerNodeGroupInfo=BROKER_INFO,
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT"}},
        ClientAuthentication={"Sasl": {"Scram": {"Enabled": True}, "Iam": {"Enabled": True}}})["ClusterArn"]
    brokers = harness.kafka.get_bootstrap_brokers(ClusterArn=plaintext)
    brokers.pop("ResponseMetadata")
    named = "127.0.0.2:9092,127.0.0.3:9092"
    assert brokers == {"BootstrapBrokerString": named, "BootstrapBrokerStringTls": named,
                       "BootstrapBrokerStringSaslScram": named, "BootstrapBrokerStringSaslIam": named}

    serverless = harness.kafka.create_cluster_v2(ClusterName="lean", Serverless={
        "VpcConfigs": [{"SubnetIds": ["subnet-0a1b2c3d"]}]})["ClusterArn"]
    brokers = harness.kafka.get_bootstrap_brokers(ClusterArn=serverless)
    assert brokers["BootstrapBrokerStringSaslIam"] == kafka_broker.bootstrap

    missing = arn[:-3] + "9-9"
    for call in (harness.kafka.get_bootstrap_brokers, harness.kafka.describe_cluster):
        with pytest.raises(harness.kafka.exceptions.NotFoundException):
            call(ClusterArn=missing)


def test_a_mapping_on_a_cluster_arn_reads_its_broker(harness, kafka_broker):
    arn = harness.kafka.create_cluster(ClusterName=unique("sales"), KafkaVersion="3.6.0", NumberOfBrokerNodes=1,
                                       BrokerNodeGroupInfo=BROKER_INFO)["ClusterArn"]
    topic = kafka_broker.create_topic(unique("sales"))
    kafka_broker.produce(topic, b'{"total": 42}', key=b"order-9")
    function, results = harness.reporter()
    mapping = harness.lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, Topics=[topic], StartingPosition="TRIM_HORIZON",
        AmazonManagedKafkaEventSourceConfig={"ConsumerGroupId": "sales-readers"})
    assert mapping["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": "sales-readers"}
    [event] = harness.messages(results, 1)
    assert list(event) == ["eventSource", "eventSourceArn", "bootstrapServers", "records"]
    assert (event["eventSource"], event["eventSourceArn"], event["bootstrapServers"]) == (
        "aws:kafka", arn, kafka_broker.bootstrap)
    [record] = event["records"][f"{topic}-0"]
    assert (record["key"], record["value"], record["offset"]) == (b64(b"order-9"), b64(b'{"total": 42}'), 0)
    wait_until(lambda: kafka_broker.committed("sales-readers", topic) == [1], message="offset committed")
    harness.result_becomes(mapping["UUID"], "OK")


def test_a_cluster_whose_broker_is_unreachable_or_gone(harness):
    function, _ = harness.reporter()
    gone = harness.kafka.create_cluster(ClusterName="gone", KafkaVersion="3.6.0", NumberOfBrokerNodes=1,
                                        BrokerNodeGroupInfo=BROKER_INFO)["ClusterArn"]
    unreachable = harness.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=gone,
                                                          Topics=["events"], StartingPosition="LATEST")
    assert harness.result_becomes(unreachable["UUID"], CONNECTION_ERROR)["State"] == "Enabled"
    harness.kafka.delete_cluster(ClusterArn=gone)
    with pytest.raises(harness.kafka.exceptions.NotFoundException):
        harness.kafka.get_bootstrap_brokers(ClusterArn=gone)
    assert harness.mapping(unreachable["UUID"])["LastProcessingResult"] == CONNECTION_ERROR
    harness.lam.delete_event_source_mapping(UUID=unreachable["UUID"])


def test_broker_settings_are_checked_at_start():
    process = GatewayProcess({"MSK_CLUSTER_BOOTSTRAP_BROKERS": "orders=broker-without-port"})
    with pytest.raises(RuntimeError) as failed:
        process.start(timeout=20)
    assert "MSK_CLUSTER_BOOTSTRAP_BROKERS (orders): 'broker-without-port' is not a broker address" in str(failed.value)
