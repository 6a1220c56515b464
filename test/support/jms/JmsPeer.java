import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TemporaryQueue;
import javax.jms.TextMessage;
import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * A JMS program on ActiveMQ's OpenWire port, as the Java side of the interop tests
 * (test/integration/jms-interop.spec.ts): it sends and receives through the JMS API only, so what
 * it sees is what a Java application sees of our STOMP frames, and what it sends is what such an
 * application sends. One command a run; each message it receives is printed as one JSON line.
 *
 *   receive QUEUE COUNT TIMEOUT_MS                      prints READY once consuming, then the messages
 *   send QUEUE text|bytes BASE64_BODY [OPTIONS]         OPTIONS: --prop NAME=VALUE, --correlation-id ID,
 *                                                       --reply-to QUEUE
 *   request QUEUE text|bytes BASE64_BODY TIMEOUT_MS [OPTIONS]
 *                                                       sends with JMSReplyTo a temporary queue and a
 *                                                       JMSCorrelationID, prints the reply
 * Exit status: 0 done, 3 timed out, 2 bad arguments.
 */
public final class JmsPeer {
  private static final String URL = System.getenv().getOrDefault("JMS_URL", "tcp://127.0.0.1:61616");

  public static void main(String[] args) throws Exception {
    if (args.length < 2) usage();
    Connection connection = new ActiveMQConnectionFactory(URL).createConnection();
    int status;
    try {
      connection.start();
      Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue queue = session.createQueue(args[1]);
      switch (args[0]) {
        case "receive":
          status = receive(session, queue, Integer.parseInt(args[2]), Long.parseLong(args[3]));
          break;
        case "send":
          session.createProducer(queue).send(message(session, args[2], args[3], options(session, args, 4)));
          status = 0;
          break;
        case "request":
          status = request(session, queue, message(session, args[2], args[3], options(session, args, 5)), Long.parseLong(args[4]));
          break;
        default:
          status = usage();
      }
    } finally {
      connection.close();
    }
    System.exit(status);
  }

  private static int usage() {
    System.err.println("usage: JmsPeer receive QUEUE COUNT TIMEOUT_MS | send QUEUE text|bytes BASE64 [OPTIONS] | request QUEUE text|bytes BASE64 TIMEOUT_MS [OPTIONS]");
    System.exit(2);
    return 2;
  }

  private static int receive(Session session, Queue queue, int count, long timeoutMs) throws JMSException {
    MessageConsumer consumer = session.createConsumer(queue);
    System.out.println("READY");
    System.out.flush();
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int i = 0; i < count; i++) {
      long left = deadline - System.currentTimeMillis();
      Message message = left > 0 ? consumer.receive(left) : null;
      if (message == null) return 3;
      print(message);
    }
    return 0;
  }

  private static int request(Session session, Queue queue, Message message, long timeoutMs) throws JMSException {
    TemporaryQueue replies = session.createTemporaryQueue();
    MessageConsumer consumer = session.createConsumer(replies);
    message.setJMSReplyTo(replies);
    if (message.getJMSCorrelationID() == null) message.setJMSCorrelationID("jms-" + System.nanoTime());
    session.createProducer(queue).send(message);
    Message reply = consumer.receive(timeoutMs);
    if (reply == null) return 3;
    if (!message.getJMSCorrelationID().equals(reply.getJMSCorrelationID())) {
      System.err.println("reply correlation id " + reply.getJMSCorrelationID() + " is not the request's " + message.getJMSCorrelationID());
      return 1;
    }
    print(reply);
    return 0;
  }

  /** What --prop, --correlation-id and --reply-to ask for, applied to a message once it exists. */
  private interface Option {
    void apply(Message message) throws JMSException;
  }

  private static List<Option> options(Session session, String[] args, int from) throws JMSException {
    List<Option> options = new ArrayList<>();
    for (int i = from; i < args.length; i += 2) {
      if (i + 1 >= args.length) usage();
      String value = args[i + 1];
      switch (args[i]) {
        case "--prop": {
          int eq = value.indexOf('=');
          options.add((m) -> m.setStringProperty(value.substring(0, eq), value.substring(eq + 1)));
          break;
        }
        case "--correlation-id":
          options.add((m) -> m.setJMSCorrelationID(value));
          break;
        case "--reply-to": {
          Destination replyTo = session.createQueue(value);
          options.add((m) -> m.setJMSReplyTo(replyTo));
          break;
        }
        default:
          usage();
      }
    }
    return options;
  }

  private static Message message(Session session, String kind, String base64, List<Option> options) throws JMSException {
    byte[] body = Base64.getDecoder().decode(base64);
    Message message;
    if (kind.equals("text")) {
      message = session.createTextMessage(new String(body, StandardCharsets.UTF_8));
    } else {
      BytesMessage bytes = session.createBytesMessage();
      bytes.writeBytes(body);
      message = bytes;
    }
    for (Option option : options) option.apply(message);
    return message;
  }

  private static void print(Message message) throws JMSException {
    StringBuilder out = new StringBuilder("{");
    if (message instanceof TextMessage) {
      field(out, "type", "text").append(',');
      field(out, "text", ((TextMessage) message).getText());
    } else if (message instanceof BytesMessage) {
      BytesMessage bytes = (BytesMessage) message;
      byte[] body = new byte[(int) bytes.getBodyLength()];
      bytes.readBytes(body);
      field(out, "type", "bytes").append(',');
      field(out, "base64", Base64.getEncoder().encodeToString(body));
    } else {
      field(out, "type", message.getClass().getSimpleName());
    }
    out.append(',');
    field(out, "correlationId", message.getJMSCorrelationID()).append(',');
    field(out, "replyTo", message.getJMSReplyTo() == null ? null : message.getJMSReplyTo().toString()).append(",\"properties\":{");
    Enumeration<?> names = message.getPropertyNames();
    boolean first = true;
    while (names.hasMoreElements()) {
      String name = (String) names.nextElement();
      if (!first) out.append(',');
      first = false;
      Object value = message.getObjectProperty(name);
      field(out, name, value == null ? null : value.toString());
    }
    System.out.println(out.append("}}"));
    System.out.flush();
  }

  private static StringBuilder field(StringBuilder out, String name, String value) {
    quote(out, name).append(':');
    return value == null ? out.append("null") : quote(out, value);
  }

  private static StringBuilder quote(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"');
  }
}
