/**
 * JSON text of frozen values, made by a schema's serializer (the one Fastify
 * compiles for a route's response: the same allow-list) once per value and
 * remembered by the value's identity. A frozen value's text never changes,
 * and the text is forgotten with the value (a WeakMap): for parts of answers
 * the node shares between requests — a version's fixed part until its state
 * is written, the signed head until the next durable block.
 */
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';

export class FrozenJson {
  private readonly texts = new WeakMap<object, string>();
  constructor(private readonly schema: TSchema) {}

  text(reply: FastifyReply, value: object): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      // A value that could still change could not keep one text.
      if (!Object.isFrozen(value)) throw new TypeError('FrozenJson: the value is not frozen');
      text = reply.compileSerializationSchema(this.schema as unknown as Record<string, unknown>)(value as Record<string, unknown>);
      this.texts.set(value, text);
    }
    return text;
  }
}
