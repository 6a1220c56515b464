/** Decides whether a concrete topic name matches a subscription's pattern. */
export type TopicMatcher = (topic: string) => boolean;

/**
 * Compiles a topic subscription pattern (the part after `/topic/`) over dot-separated words:
 * `*` matches exactly one word; `#` (RabbitMQ) and `>` (ActiveMQ) match any number of words, none
 * included. Every other word matches itself only.
 * @example compileTopicPattern('orders.*')('orders.created') === true
 */
export function compileTopicPattern(pattern: string): TopicMatcher {
  const words = pattern.split('.');
  if (!words.some(isWildcard)) return (topic) => topic === pattern;
  return (topic) => matchWords(words, topic.split('.'));
}

function isWildcard(word: string): boolean {
  return word === '*' || word === '#' || word === '>';
}

/**
 * Word by word over the pattern, keeping which prefixes of the topic the pattern so far can match:
 * time pattern × topic. Trying every split of the topic for each multi-word wildcard instead was
 * exponential in their number (a SUBSCRIBE to `#.#.#.#.#.#.#.#.#.#.x` froze the broker for seconds
 * per message).
 */
function matchWords(pattern: readonly string[], topic: readonly string[]): boolean {
  // reach[t]: the pattern words seen so far can match the first t topic words.
  let reach = new Array<boolean>(topic.length + 1).fill(false);
  reach[0] = true;
  for (const word of pattern) {
    const next = new Array<boolean>(topic.length + 1).fill(false);
    if (word === '#' || word === '>') {
      let any = false;
      for (let t = 0; t <= topic.length; t++) next[t] = any ||= reach[t];
    } else {
      for (let t = 1; t <= topic.length; t++) next[t] = reach[t - 1] && (word === '*' || word === topic[t - 1]);
    }
    reach = next;
  }
  return reach[topic.length];
}
