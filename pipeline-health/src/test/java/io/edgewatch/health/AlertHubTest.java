package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.edgewatch.health.alert.AlertEvent;

class AlertHubTest {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void listen() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(AlertHub.class)).addAppender(logs);
    }

    @AfterEach
    void stopListening() {
        ((Logger) LoggerFactory.getLogger(AlertHub.class)).detachAppender(logs);
    }

    @Test
    void aSubscriberThatThrowsIsLoggedAndTheOthersStillGetTheAlert() {
        // the Vision Events subscriber threw on a daemon alert (a null camera): the webhook subscribed after it never got
        // storage_full or delivery_stopped, and the alert was neither logged nor kept
        AlertHub hub = new AlertHub(HealthStore.none());
        List<AlertEvent> webhook = new CopyOnWriteArrayList<>();
        hub.subscribe(e -> {
            throw new NullPointerException("Cannot invoke \"Object.hashCode()\" because \"key\" is null");
        });
        hub.subscribe(webhook::add);
        AlertEvent e = new AlertEvent(AlertHub.DAEMON, "storage_full:outbox", true, Instant.parse("2026-12-07T10:00:00Z"), 0, 0,
                "the outbox store cannot write: disk full");
        hub.publish(e);
        AlertEvent cleared = new AlertEvent(AlertHub.DAEMON, "storage_full:outbox", false, Instant.parse("2026-12-07T10:05:00Z"), 0, 0,
                "cleared: the outbox store writes again");
        hub.publish(cleared);

        assertThat(webhook).as("the next subscriber still gets each alert").containsExactly(e, cleared);
        assertThat(hub.recent()).as("and it is kept").containsExactly(cleared, e);
        assertThat(logs.list).filteredOn(l -> l.getLevel() == Level.WARN)
                .anySatisfy(l -> assertThat(l.getFormattedMessage()).contains("ALERT storage_full:outbox"));
        assertThat(logs.list).filteredOn(l -> l.getLevel() == Level.ERROR).hasSize(2)
                .allSatisfy(l -> assertThat(l.getFormattedMessage()).contains("storage_full:outbox").contains("key\" is null"));
    }
}
