// socket.io's packet decoder with a bound on each packet's JSON, read from its bytes
// before JSON.parse (jsonShapeProblem, as HTTP bodies are): a 1 MB payload nested half a
// million deep costs JSON.parse about a tenth of a second of the event loop, and every
// walk after it more. A packet past the bound is not decoded; socket.io then closes that
// client's connection, as it does for any packet that does not decode.
import { Decoder, Encoder } from 'socket.io-parser';
import { jsonShapeProblem, type JsonShapeLimits } from '../../../../libs/domain/src/index.js';

/** Far above any payload of the protocol (a registration of 1,000 containers holds about 10,000 entries, 4 deep). */
export const SOCKET_PACKET_LIMITS: JsonShapeLimits = { maxDepth: 32, maxEntries: 100_000 };

class BoundedDecoder extends Decoder {
  override add(packet: unknown): void {
    if (typeof packet === 'string') {
      const problem = jsonShapeProblem(Buffer.from(packet), SOCKET_PACKET_LIMITS);
      if (problem) throw new Error(`socket.io packet refused: ${problem.replace('the JSON body', 'the packet')}`);
    }
    super.add(packet);
  }
}

/** The `parser` option of a socket.io server: the standard encoder, the bounded decoder. */
export const boundedSocketParser = { Encoder, Decoder: BoundedDecoder };
