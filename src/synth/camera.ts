import type { Intrinsics } from '../metrics/tae.js';

/*
 * Camera conventions (OpenCV / KITTI): camera x right, y down, z forward (the optical axis). Pixel centres sit at
 * integer coordinates, so a pixel (u, v) looks along ((u - cx) / fx, (v - cy) / fy, 1) and a centred camera has
 * cx = (W - 1) / 2. The world is right-handed with +Y up.
 */

export type Vec3 = [number, number, number];

/** Camera-to-world rigid transform: world = R * camera + t. R row-major (R[3r + c]). */
export interface Pose {
  R: Float64Array;
  t: Vec3;
}

export type Motion = 'forward' | 'orbit' | 'pan' | 'static';
export const MOTIONS: readonly Motion[] = ['forward', 'orbit', 'pan', 'static'];

/** Square pixels and a centred principal point from the horizontal field of view in degrees. */
export function intrinsicsFromFov(width: number, height: number, fovDeg: number): Intrinsics {
  const fx = (width / 2) / Math.tan((fovDeg * Math.PI) / 360);
  return { fx, fy: fx, cx: (width - 1) / 2, cy: (height - 1) / 2 };
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
function normalize(a: Vec3): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** A camera at `eye` looking at `target`, level with the horizon (world +Y up). */
export function lookAt(eye: Vec3, target: Vec3): Pose {
  const f = normalize(sub(target, eye));
  const r = normalize(cross(f, [0, 1, 0]));
  const d = cross(f, r); // down, completing the right-handed frame x = r, y = d, z = f
  // the columns of R are the camera axes in world coordinates
  const R = Float64Array.from([r[0], d[0], f[0], r[1], d[1], f[1], r[2], d[2], f[2]]);
  return { R, t: [...eye] as Vec3 };
}

/** Where the scene lets the camera move: a start point, a forward direction, and a point of interest to orbit. */
export interface CameraRig {
  eye: Vec3;
  /** Horizontal unit direction the camera faces at s = 0. */
  forward: Vec3;
  /** Distance travelled by the forward motion over the whole clip. */
  travel: number;
  /** Orbit centre and radius (kept inside the scene). */
  centre: Vec3;
  radius: number;
}

/** Smooth 0..1 -> 0..1 easing with zero velocity at both ends. */
const ease = (s: number): number => 0.5 - 0.5 * Math.cos(Math.PI * s);

/** Pose at normalised time s in [0, 1] for a motion: smooth, and identical for the same inputs. */
export function poseAt(motion: Motion, rig: CameraRig, s: number): Pose {
  const [fx, , fz] = rig.forward;
  const side: Vec3 = [-fz, 0, fx]; // horizontal, perpendicular to forward
  const ahead = (eye: Vec3, yaw: number, dist = 5): Vec3 => {
    const c = Math.cos(yaw);
    const sn = Math.sin(yaw);
    return [eye[0] + dist * (c * fx + sn * side[0]), eye[1] - 0.1 * dist, eye[2] + dist * (c * fz + sn * side[2])];
  };
  switch (motion) {
    case 'static':
      return lookAt(rig.eye, ahead(rig.eye, 0));
    case 'pan':
      return lookAt(rig.eye, ahead(rig.eye, (ease(s) - 0.5) * 0.9));
    case 'forward': {
      const d = rig.travel * ease(s);
      const sway = 0.15 * Math.sin(2 * Math.PI * s);
      const eye: Vec3 = [rig.eye[0] + d * fx + sway * side[0], rig.eye[1] + 0.05 * Math.sin(4 * Math.PI * s), rig.eye[2] + d * fz + sway * side[2]];
      return lookAt(eye, ahead(eye, 0.1 * Math.sin(2 * Math.PI * s)));
    }
    case 'orbit': {
      const a = -0.6 + 1.2 * ease(s); // radians of arc around the centre, starting opposite the forward direction
      const back: Vec3 = [-fx, 0, -fz];
      const eye: Vec3 = [
        rig.centre[0] + rig.radius * (Math.cos(a) * back[0] + Math.sin(a) * side[0]),
        rig.eye[1],
        rig.centre[2] + rig.radius * (Math.cos(a) * back[2] + Math.sin(a) * side[2]),
      ];
      return lookAt(eye, rig.centre);
    }
  }
}

/** The 12 numbers of a KITTI odometry pose line: the 3x4 matrix [R | t], row-major. */
export function poseRow(p: Pose): number[] {
  const { R, t } = p;
  return [R[0], R[1], R[2], t[0], R[3], R[4], R[5], t[1], R[6], R[7], R[8], t[2]];
}

/** The pose as a 4x4 row-major matrix (the layout the TAE metric takes). */
export function poseMatrix(p: Pose): Float64Array {
  return Float64Array.from([...poseRow(p), 0, 0, 0, 1]);
}
