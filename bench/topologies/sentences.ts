/** The sentences of the bench spout (no imports: the bench reads them before dist/ is built). */
export const SENTENCES: ReadonlyArray<string> = [
  "the cow jumped over the moon",
  "an apple a day keeps the doctor away",
  "four score and seven years ago",
  "snow white and the seven dwarfs",
  "i am at two with nature"
]

/** Words per sentence on average: the spout cycles through the sentences in order. */
export const WORDS_PER_SENTENCE = SENTENCES.reduce((n, s) => n + s.split(" ").length, 0) / SENTENCES.length
