import { Code } from '@mantine/core';
import { outcomeInWords } from '../errors.ts';

/**
 * A refused transaction's outcome as a person reads it: the contract's code
 * in words (errors.ts outcomeInWords), with the code itself small beside them
 * for support (a code block: its own padding sets it off, no brackets needed);
 * a code without words shows once, as itself.
 */
export function OutcomeWords({ code }: { code: string }) {
  const words = outcomeInWords(code);
  if (words === code) return <Code>{code}</Code>;
  return (
    <>
      {words} <Code>{code}</Code>
    </>
  );
}
