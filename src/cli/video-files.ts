import { open } from 'node:fs/promises';
import { looksLikeVideo } from '../core/video/looks-like-video.js';

/** Video extensions picked up when walking a folder (besides images). */
export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.flv',
  '.ts',
  '.mpg',
  '.mpeg',
  '.wmv',
  '.3gp',
  '.ogv',
] as const;

/** Whether a file is a video, by its first bytes (a name can lie); false if unreadable. */
export async function isVideoFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    const head = new Uint8Array(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeVideo(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
