import { Component, type ErrorInfo, type ReactNode } from 'react';
import { RouteErrorPage } from '@/app/error-pages';

interface Props {
  children: ReactNode;
  /** A new value (the next path) clears the error, so navigating away leaves the error page. */
  resetKey: string;
  /** What shows instead: the whole error page by default; inside the signed-in layout, its message only (PageFrame in routes.tsx). */
  fallback?: ReactNode;
}

/**
 * Anything a page throws while rendering or loading, e.g. a route chunk that a newer build replaced:
 * the calm error page with a reload, instead of a blank screen.
 */
export class RouteErrorBoundary extends Component<Props, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  componentDidUpdate(previous: Props): void {
    if (previous.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  render(): ReactNode {
    return this.state.failed ? (this.props.fallback ?? <RouteErrorPage />) : this.props.children;
  }
}
