/**
 * A tiny photo-upload app: every photo is scanned by Safeguard before it is stored. Blocked
 * photos are refused (403) and never kept; photos sent to review are kept but hidden until a
 * moderator decides.
 */
import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
} from 'express';
import multer from 'multer';
import {
  isSafeguardApiError,
  safeguardExpress,
  type SafeguardClient,
} from '../../src/sdk/index.js';

export interface StoredPhoto {
  readonly id: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly uploaderId: string | undefined;
  /** `review` photos stay hidden until a moderator clears them. */
  readonly verdict: 'allow' | 'review';
  readonly scanId: string;
}

export interface UploadAppOptions {
  /** A client whose key has the `scan` scope. */
  readonly client: Pick<SafeguardClient, 'scan'>;
  /** Largest photo, bytes; default 10 MiB. */
  readonly maxBytes?: number;
}

/** Stand-in for your authentication: the uploader's id comes from a header. */
const uploaderOf = (request: Request) => request.header('x-user-id') ?? undefined;

export function createUploadApp(options: UploadAppOptions): {
  app: Express;
  photos: Map<string, StoredPhoto>;
} {
  const photos = new Map<string, StoredPhoto>();
  const app = express();
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: options.maxBytes ?? 10 * 1024 * 1024, files: 1 },
  });

  app.post(
    '/photos',
    upload.single('photo'),
    safeguardExpress<Request, Response>({
      client: options.client,
      // The id the photo will have if stored: Safeguard records it with the scan and any case.
      getContentId: () => `photo_${randomUUID()}`,
      getUploaderId: uploaderOf,
      onReview: (request, result) => {
        console.log(`photo ${result.contentId} from ${uploaderOf(request)} awaits review`);
      },
      // Blocked uploads get the middleware's default answer: 403 with the verdict.
    }),
    (request, response) => {
      const file = request.file;
      const result = request.safeguard;
      if (!file || !result || result.verdict === 'block') {
        response.status(400).json({ error: 'send the photo in the multipart field "photo"' });
        return;
      }
      const id = result.contentId ?? `photo_${randomUUID()}`;
      photos.set(id, {
        id,
        contentType: file.mimetype,
        bytes: file.buffer,
        uploaderId: uploaderOf(request),
        verdict: result.verdict,
        scanId: result.scanId,
      });
      response.status(201).json({ id, verdict: result.verdict, size: file.size });
    },
  );

  app.get('/photos', (_request, response) => {
    response.json({
      photos: [...photos.values()]
        .filter((p) => p.verdict === 'allow')
        .map((p) => ({ id: p.id, contentType: p.contentType, size: p.bytes.byteLength })),
    });
  });

  app.get('/photos/:id', (request, response) => {
    const photo = photos.get(request.params.id);
    if (!photo || photo.verdict !== 'allow') {
      response.status(404).json({ error: 'no such photo' });
      return;
    }
    response.type(photo.contentType).send(photo.bytes);
  });

  const onError: ErrorRequestHandler = (error: unknown, _request, response, _next) => {
    if (error instanceof multer.MulterError) {
      response.status(error.code === 'LIMIT_FILE_SIZE' ? 413 : 400).json({ error: error.message });
    } else if (isSafeguardApiError(error) && error.status >= 400 && error.status < 500) {
      // The file itself is bad (not an image, corrupt, too large): say so.
      response.status(error.status).json({ error: error.detail, code: error.code });
    } else {
      // Safeguard unreachable or refusing our key: fail closed, store nothing.
      console.error('upload failed:', error);
      response.status(503).json({ error: 'uploads are unavailable, try again later' });
    }
  };
  app.use(onError);
  return { app, photos };
}
