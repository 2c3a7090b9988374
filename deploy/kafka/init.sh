#!/bin/sh
# kafka-init (compose): SCRAM users, topics and ACLs of Jixiao, as the `admin` super user. Idempotent:
# run again after adding a service. The same topics and ACLs, for Kubernetes, are the Strimzi
# KafkaTopic/KafkaUser resources in deploy/k8s/overlays/production/kafka.yaml; tests/unit/deploy
# checks both against the code's topics and the services' publishes/consumes.
set -eu
BIN=/opt/kafka/bin
CONFIG=/tmp/admin.properties
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
  "$ADMIN_PASSWORD" > "$CONFIG"

# topic NAME RETENTION_MS: PARTITIONS partitions, RF 3 (min ISR 2 from the brokers' default)
topic() {
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --create --if-not-exists \
    --topic "$1" --partitions "$PARTITIONS" --replication-factor 3 \
    --config "retention.ms=$2" --config min.insync.replicas=2
}

# user SERVICE: SCRAM-SHA-512 credentials of jixiao-SERVICE (password from $PASSWORD_<SERVICE>)
user() {
  password=$(eval echo "\$PASSWORD_$(echo "$1" | tr a-z A-Z)")
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --alter \
    --entity-type users --entity-name "jixiao-$1" --add-config "SCRAM-SHA-512=[password=$password]"
}

# write SERVICE TOPIC: the only producer of TOPIC
write() {
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add \
    --allow-principal "User:jixiao-$1" --operation Write --operation Describe --topic "$2"
}

# read SERVICE TOPIC: consumes TOPIC in its consumer group jixiao-SERVICE
read_() {
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --add \
    --allow-principal "User:jixiao-$1" --operation Read --operation Describe --topic "$2" --group "jixiao-$1"
}

topic jixiao.indicators.v1 2592000000
topic jixiao.surveys.v1 2592000000
topic jixiao.inspections.v1 2592000000
topic jixiao.scores.v1 7776000000

user indicators
user surveys
user inspections
user scoring
user reports

write indicators jixiao.indicators.v1
read_ indicators jixiao.inspections.v1
write surveys jixiao.surveys.v1
read_ surveys jixiao.indicators.v1
write inspections jixiao.inspections.v1
write scoring jixiao.scores.v1
read_ scoring jixiao.indicators.v1
read_ scoring jixiao.surveys.v1
read_ scoring jixiao.inspections.v1
read_ reports jixiao.scores.v1
read_ reports jixiao.indicators.v1
read_ reports jixiao.inspections.v1
echo "kafka-init: users, topics and ACLs in place"
