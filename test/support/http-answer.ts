/** What an HTTP answer said: its status and its body, parsed when it is JSON, else the text. */
export interface Answer {
  status: number
  data: any
}

export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text()
  try {
    return { status: res.status, data: JSON.parse(text) }
  } catch {
    // Not JSON: the text, for the assertion message.
    return { status: res.status, data: text }
  }
}
