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
  return (topic) => matchWords(words, 0, topic.split('.'), 0);
}

function isWildcard(word: string): boolean {
  return word === '*' || word === '#' || word === '>';
}

function matchWords(pattern: readonly string[], p: number, topic: readonly string[], t: number): boolean {
  if (p === pattern.length) return t === topic.length;
  const word = pattern[p];
  if (word === '#' || word === '>') {
    // Try every split point: the multi-word wildcard takes 0, 1, 2… words.
    for (let taken = t; taken <= topic.length; taken++) if (matchWords(pattern, p + 1, topic, taken)) return true;
    return false;
  }
  if (t === topic.length) return false;
  return (word === '*' || word === topic[t]) && matchWords(pattern, p + 1, topic, t + 1);
}
